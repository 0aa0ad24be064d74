/* unwind_rules.h — a cache of the call-frame rules of code addresses, read
 * once from a module's CFI with libdw, so that src/record/unwind.c can
 * unwind the common frames itself instead of asking libdwfl to parse and
 * run the CFI program of every frame of every sample.
 *
 * A rule says, at one code address, how the caller's registers are found:
 * the CFA is a register plus an offset, and each register is unchanged,
 * lost, saved in memory at CFA + offset, or equal to CFA + offset. That is
 * what compilers emit for x86_64 code. A CFA given as a DWARF expression
 * is taken too when, with the PC's value known, it comes down to "register
 * plus constant": the linker's CFI for PLT stubs (.plt, .plt.sec) is
 *   DW_OP_breg7 8; DW_OP_breg16 0; lit15; and; lit11; ge; lit3; shl; plus
 * (SP + 8, or SP + 16 once the stub pushed the relocation index). Any
 * other form (register expressions, signal frames) is marked so that the
 * caller hands the whole sample to libdwfl, which knows them all.
 *
 * The cache is an open-addressing table keyed by the address looked up
 * (the PC of the sampled frame, a return address minus one for callers),
 * for one process's address space; it is cleared when that changes.
 */
#ifndef EMBER_UNWIND_RULES_H
#define EMBER_UNWIND_RULES_H

#include <elfutils/libdw.h>
#include <stddef.h>
#include <stdint.h>

#define UNWIND_RULE_REGISTERS 17 /* DWARF x86_64: rax..r15 (0-15), return address (16) */
#define UNWIND_RULE_RETURN_ADDRESS 16

enum unwind_rule_kind {
    UNWIND_RULE_SIMPLE,    /* the forms below describe the frame */
    UNWIND_RULE_OUTERMOST, /* the return address is undefined: no caller */
    UNWIND_RULE_OTHER,     /* no CFI here, or forms libdwfl must evaluate */
};

enum unwind_register_rule {
    UNWIND_REGISTER_SAME,      /* the caller's value is this frame's */
    UNWIND_REGISTER_UNDEFINED, /* lost (call-clobbered) */
    UNWIND_REGISTER_AT_CFA,    /* saved in memory at CFA + offset */
    UNWIND_REGISTER_CFA_PLUS,  /* its value is CFA + offset (the stack pointer) */
    UNWIND_REGISTER_UNKNOWN,   /* an expression: treated as lost */
};

struct unwind_rule {
    uint8_t kind;         /* enum unwind_rule_kind */
    uint8_t cfa_register; /* DWARF register number */
    uint8_t cfa_uses_pc;  /* the CFA was computed from the PC's value (an
                             expression reading rip): the rule holds only
                             for a frame whose PC is the address read */
    uint8_t how[UNWIND_RULE_REGISTERS]; /* enum unwind_register_rule */
    int64_t cfa_offset;
    int32_t offset[UNWIND_RULE_REGISTERS];
};

/* Reads the rule at address (an address of the CFI's own file, i.e. minus
 * the module's bias) from cfi; NULL cfi gives UNWIND_RULE_OTHER. pc is the
 * value a CFA expression reads from rip (the address plus the bias). */
void unwind_rule_read(Dwarf_CFI *cfi, Dwarf_Addr address, uint64_t pc, struct unwind_rule *rule);

struct unwind_rule_cache;

struct unwind_rule_cache *unwind_rule_cache_create(void);
/* NULL is allowed. */
void unwind_rule_cache_destroy(struct unwind_rule_cache *cache);
void unwind_rule_cache_clear(struct unwind_rule_cache *cache);
/* The rule cached for address, or NULL. */
const struct unwind_rule *unwind_rule_cache_find(const struct unwind_rule_cache *cache,
                                                 uint64_t address);
/* Caches a copy of rule for address (a full table is cleared first);
 * returns the cached copy. */
const struct unwind_rule *unwind_rule_cache_add(struct unwind_rule_cache *cache,
                                                uint64_t address,
                                                const struct unwind_rule *rule);

#endif
