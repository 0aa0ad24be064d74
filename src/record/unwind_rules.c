/* unwind_rules.c — call-frame rules read from CFI with libdw, and their
 * cache; see unwind_rules.h.
 *
 * libdw describes a register's rule as a short DWARF expression
 * (dwarf_frame_register): none for "same value" or "undefined",
 * DW_OP_call_frame_cfa followed by an addend for "saved at CFA + N", the
 * same with DW_OP_stack_value for "value is CFA + N". The CFA itself is
 * DW_OP_bregx N offset (or DW_OP_bregN offset) for "register N plus
 * offset". Those are recognised here, and a CFA expression is evaluated
 * with the PC known and the other registers symbolic: each value on the
 * evaluation stack is "at most one register plus a constant", arithmetic
 * on constants is done, and the result must be "register plus constant"
 * (the PLT stubs' expression is of that kind). Anything else is left to
 * libdwfl.
 */
#include "unwind_rules.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define UNWIND_RULE_CACHE_MAX 65536 /* entries; then the table starts over */

struct unwind_rule_slot {
    uint64_t address;
    int used;
    struct unwind_rule rule;
};

struct unwind_rule_cache {
    struct unwind_rule_slot *slots;
    size_t mask, used;
};

/* Recognises "CFA + addend" in ops[0..count): returns 1 and sets *addend. */
static int cfa_plus_constant(const Dwarf_Op *ops, size_t count, int64_t *addend)
{
    if (count == 0 || ops[0].atom != DW_OP_call_frame_cfa)
        return 0;
    if (count == 1) {
        *addend = 0;
        return 1;
    }
    if (count == 2 && ops[1].atom == DW_OP_plus_uconst) {
        *addend = (int64_t)ops[1].number;
        return 1;
    }
    if (count == 3 && ops[1].atom == DW_OP_consts && ops[2].atom == DW_OP_plus) {
        *addend = (int64_t)ops[1].number;
        return 1;
    }
    return 0;
}

/* Recognises "register + offset" (DW_OP_bregN offset, or DW_OP_bregx
 * register offset, which is what libdw gives) as the CFA. */
static int cfa_register_plus_offset(const Dwarf_Op *op, struct unwind_rule *rule)
{
    uint64_t regno, offset;
    if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
        regno = op->atom - DW_OP_breg0;
        offset = op->number;
    } else if (op->atom == DW_OP_bregx) {
        regno = op->number;
        offset = op->number2;
    } else {
        return 0;
    }
    if (regno >= UNWIND_RULE_RETURN_ADDRESS)
        return 0;
    rule->cfa_register = (uint8_t)regno;
    rule->cfa_offset = (int64_t)offset;
    return 1;
}

/* A value of a CFA expression: register + constant, or a constant
 * (register -1). */
struct cfa_term {
    int register_number;
    uint64_t constant;
};

enum { CFA_EXPRESSION_STACK = 8 };

/* Applies a binary operator to two constants; 0 when op is not one. */
static int cfa_constant_operator(unsigned atom, uint64_t left, uint64_t right, uint64_t *result)
{
    switch (atom) {
    case DW_OP_and: *result = left & right; return 1;
    case DW_OP_or: *result = left | right; return 1;
    case DW_OP_xor: *result = left ^ right; return 1;
    case DW_OP_mul: *result = left * right; return 1;
    case DW_OP_shl: *result = right < 64 ? left << right : 0; return 1;
    case DW_OP_shr: *result = right < 64 ? left >> right : 0; return 1;
    case DW_OP_shra: *result = (uint64_t)((int64_t)left >> (right < 64 ? right : 63)); return 1;
    case DW_OP_eq: *result = left == right; return 1;
    case DW_OP_ne: *result = left != right; return 1;
    case DW_OP_ge: *result = (int64_t)left >= (int64_t)right; return 1;
    case DW_OP_gt: *result = (int64_t)left > (int64_t)right; return 1;
    case DW_OP_le: *result = (int64_t)left <= (int64_t)right; return 1;
    case DW_OP_lt: *result = (int64_t)left < (int64_t)right; return 1;
    default: return 0;
    }
}

/* Evaluates a CFA expression with rip = pc. Returns 1 and fills the rule's
 * CFA when it is "register + constant" (cfa_uses_pc: whether rip was
 * read), else 0. */
static int cfa_expression(const Dwarf_Op *ops, size_t count, uint64_t pc,
                          struct unwind_rule *rule)
{
    struct cfa_term stack[CFA_EXPRESSION_STACK];
    size_t depth = 0;
    int uses_pc = 0;
    for (size_t i = 0; i < count; i++) {
        const Dwarf_Op *op = &ops[i];
        unsigned atom = op->atom;
        struct cfa_term pushed = {-1, 0};
        int push = 1;
        if ((atom >= DW_OP_breg0 && atom <= DW_OP_breg31) || atom == DW_OP_bregx) {
            uint64_t regno = atom == DW_OP_bregx ? op->number : atom - DW_OP_breg0;
            uint64_t offset = atom == DW_OP_bregx ? op->number2 : op->number;
            if (regno == UNWIND_RULE_RETURN_ADDRESS) { /* rip */
                pushed.constant = pc + offset;
                uses_pc = 1;
            } else if (regno < UNWIND_RULE_RETURN_ADDRESS) {
                pushed.register_number = (int)regno;
                pushed.constant = offset;
            } else {
                return 0;
            }
        } else if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
            pushed.constant = atom - DW_OP_lit0;
        } else if (atom == DW_OP_const1u || atom == DW_OP_const1s || atom == DW_OP_const2u ||
                   atom == DW_OP_const2s || atom == DW_OP_const4u || atom == DW_OP_const4s ||
                   atom == DW_OP_const8u || atom == DW_OP_const8s || atom == DW_OP_constu ||
                   atom == DW_OP_consts) {
            pushed.constant = op->number;
        } else if (atom == DW_OP_dup || atom == DW_OP_over) {
            size_t from = atom == DW_OP_dup ? 1 : 2;
            if (depth < from)
                return 0;
            pushed = stack[depth - from];
        } else {
            push = 0;
            if (atom == DW_OP_drop) {
                if (depth < 1)
                    return 0;
                depth--;
            } else if (atom == DW_OP_swap) {
                if (depth < 2)
                    return 0;
                struct cfa_term top = stack[depth - 1];
                stack[depth - 1] = stack[depth - 2];
                stack[depth - 2] = top;
            } else if (atom == DW_OP_plus_uconst) {
                if (depth < 1)
                    return 0;
                stack[depth - 1].constant += op->number;
            } else {
                if (depth < 2)
                    return 0;
                struct cfa_term right = stack[--depth], *left = &stack[depth - 1];
                if (atom == DW_OP_plus) {
                    if (left->register_number >= 0 && right.register_number >= 0)
                        return 0;
                    if (left->register_number < 0)
                        left->register_number = right.register_number;
                    left->constant += right.constant;
                } else if (atom == DW_OP_minus) {
                    if (right.register_number >= 0)
                        return 0;
                    left->constant -= right.constant;
                } else if (left->register_number >= 0 || right.register_number >= 0 ||
                           !cfa_constant_operator(atom, left->constant, right.constant,
                                                  &left->constant)) {
                    return 0; /* a register in arithmetic, or an operator not known here */
                }
            }
        }
        if (push) {
            if (depth == CFA_EXPRESSION_STACK)
                return 0;
            stack[depth++] = pushed;
        }
    }
    if (depth != 1 || stack[0].register_number < 0)
        return 0;
    rule->cfa_register = (uint8_t)stack[0].register_number;
    rule->cfa_offset = (int64_t)stack[0].constant;
    rule->cfa_uses_pc = (uint8_t)uses_pc;
    return 1;
}

static void read_register_rule(Dwarf_Frame *frame, int regno, struct unwind_rule *rule)
{
    Dwarf_Op ops_memory[3];
    Dwarf_Op *ops = NULL;
    size_t count = 0;
    rule->how[regno] = UNWIND_REGISTER_UNKNOWN;
    rule->offset[regno] = 0;
    if (dwarf_frame_register(frame, regno, ops_memory, &ops, &count) != 0)
        return;
    if (count == 0) {
        rule->how[regno] = ops == NULL ? UNWIND_REGISTER_SAME : UNWIND_REGISTER_UNDEFINED;
        return;
    }
    int is_value = ops[count - 1].atom == DW_OP_stack_value;
    int64_t addend;
    if (!cfa_plus_constant(ops, is_value ? count - 1 : count, &addend) || addend < INT32_MIN ||
        addend > INT32_MAX)
        return;
    rule->how[regno] = is_value ? UNWIND_REGISTER_CFA_PLUS : UNWIND_REGISTER_AT_CFA;
    rule->offset[regno] = (int32_t)addend;
}

void unwind_rule_read(Dwarf_CFI *cfi, Dwarf_Addr address, uint64_t pc, struct unwind_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    rule->kind = UNWIND_RULE_OTHER;
    Dwarf_Frame *frame = NULL;
    if (!cfi || dwarf_cfi_addrframe(cfi, address, &frame) != 0 || !frame)
        return;
    bool signal_frame = false;
    int return_register = dwarf_frame_info(frame, NULL, NULL, &signal_frame);
    Dwarf_Op *ops = NULL;
    size_t count = 0;
    if (return_register == UNWIND_RULE_RETURN_ADDRESS && !signal_frame &&
        dwarf_frame_cfa(frame, &ops, &count) == 0 && count >= 1 &&
        ((count == 1 && cfa_register_plus_offset(&ops[0], rule)) ||
         cfa_expression(ops, count, pc, rule))) {
        for (int regno = 0; regno < UNWIND_RULE_REGISTERS; regno++)
            read_register_rule(frame, regno, rule);
        switch (rule->how[UNWIND_RULE_RETURN_ADDRESS]) {
        case UNWIND_REGISTER_UNDEFINED:
            rule->kind = UNWIND_RULE_OUTERMOST;
            break;
        case UNWIND_REGISTER_AT_CFA:
            rule->kind = UNWIND_RULE_SIMPLE;
            break;
        default:
            break; /* other forms of return address: libdwfl's job */
        }
    }
    free(frame);
}

struct unwind_rule_cache *unwind_rule_cache_create(void)
{
    struct unwind_rule_cache *cache = xcalloc(1, sizeof *cache);
    cache->mask = 255;
    cache->slots = xcalloc(cache->mask + 1, sizeof *cache->slots);
    return cache;
}

void unwind_rule_cache_destroy(struct unwind_rule_cache *cache)
{
    if (!cache)
        return;
    free(cache->slots);
    free(cache);
}

void unwind_rule_cache_clear(struct unwind_rule_cache *cache)
{
    memset(cache->slots, 0, (cache->mask + 1) * sizeof *cache->slots);
    cache->used = 0;
}

const struct unwind_rule *unwind_rule_cache_find(const struct unwind_rule_cache *cache,
                                                 uint64_t address)
{
    for (size_t slot = hash_mix64(address) & cache->mask;; slot = (slot + 1) & cache->mask) {
        const struct unwind_rule_slot *entry = &cache->slots[slot];
        if (!entry->used)
            return NULL;
        if (entry->address == address)
            return &entry->rule;
    }
}

static void grow_rule_cache(struct unwind_rule_cache *cache)
{
    size_t old_mask = cache->mask;
    struct unwind_rule_slot *old = cache->slots;
    cache->mask = old_mask * 2 + 1;
    cache->slots = xcalloc(cache->mask + 1, sizeof *cache->slots);
    for (size_t i = 0; i <= old_mask; i++) {
        if (!old[i].used)
            continue;
        size_t slot = hash_mix64(old[i].address) & cache->mask;
        while (cache->slots[slot].used)
            slot = (slot + 1) & cache->mask;
        cache->slots[slot] = old[i];
    }
    free(old);
}

const struct unwind_rule *unwind_rule_cache_add(struct unwind_rule_cache *cache,
                                                uint64_t address,
                                                const struct unwind_rule *rule)
{
    if (cache->used >= UNWIND_RULE_CACHE_MAX)
        unwind_rule_cache_clear(cache);
    else if ((cache->used + 1) * 4 > (cache->mask + 1) * 3)
        grow_rule_cache(cache);
    size_t slot = hash_mix64(address) & cache->mask;
    while (cache->slots[slot].used && cache->slots[slot].address != address)
        slot = (slot + 1) & cache->mask;
    struct unwind_rule_slot *entry = &cache->slots[slot];
    if (!entry->used)
        cache->used++;
    entry->used = 1;
    entry->address = address;
    entry->rule = *rule;
    return &entry->rule;
}
