/* test_folded.c — unit tests of the folded-stacks reader and writer. */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "helpers.h"
#include "model/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct unit_read_result read_folded(const char *text)
{
    return unit_read("folded", text, strlen(text), "test.folded", NULL);
}

Test(folded, reads_counts_and_sorts_on_write)
{
    struct unit_read_result result = read_folded("main;b 2\nmain;a 3\nmain;b 5\n\nmain 1\n");
    cr_assert_eq(result.status, 0);
    cr_assert_eq(result.statistics.samples, 4);
    cr_assert_eq(result.statistics.skipped_lines, 0);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "main 1\nmain;a 3\nmain;b 7\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, fractional_counts_crlf_and_malformed_lines)
{
    struct unit_read_result result =
        read_folded("a;b 1.5\r\na;b 2.\r\nno count here\na;c -3\na;d 1e5\na;e 0.25\n");
    cr_assert_eq(result.status, 0);
    cr_assert_eq(result.statistics.samples, 3);
    cr_assert_eq(result.statistics.skipped_lines, 3);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "a;b 3.5\na;e 0.25\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, count_is_the_last_whitespace_field)
{
    /* The stack keeps inner spaces; a tab also separates the count. */
    struct unit_read_result result = read_folded("f(int x);g y 7\nh\t9\n");
    cr_assert_eq(result.statistics.samples, 2);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "f(int x);g y 7\nh 9\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, differential_two_counts)
{
    struct unit_read_result result = read_folded("main;slow 10 30\nmain;fast 20 5\n");
    cr_assert_eq(result.profile->differential, 1);
    long before = profile_find_sample_type(result.profile, "before");
    cr_assert_eq(before, 1);
    cr_assert_eq(profile_grand_total(result.profile, 0), 35);
    cr_assert_eq(profile_grand_total(result.profile, 1), 30);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "main;fast 20 5\nmain;slow 10 30\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, trailing_empty_frames_dropped_like_perl_split)
{
    struct unit_read_result result = read_folded("a;;b; 1\n;x 2\n");
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, ";x 2\na;;b 1\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, nul_bytes_make_a_line_malformed)
{
    static const char text[] = "a;b 1\nbad\0line 2\nc 3\n";
    struct unit_read_result result = unit_read("folded", text, sizeof text - 1, "nul.folded", NULL);
    cr_assert_eq(result.statistics.samples, 2);
    cr_assert_eq(result.statistics.skipped_lines, 1);
    profile_destroy(result.profile);
}

Test(folded, empty_input_is_an_error)
{
    struct unit_read_result result = read_folded("");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
}

Test(folded, counts_print_like_perl)
{
    char buffer[64];
    format_count(buffer, sizeof buffer, 42);
    cr_assert_str_eq(buffer, "42");
    format_count(buffer, sizeof buffer, 1234567890123.0);
    cr_assert_str_eq(buffer, "1234567890123");
    format_count(buffer, sizeof buffer, 0.1 + 0.2);
    cr_assert_str_eq(buffer, "0.3");
    format_count(buffer, sizeof buffer, 2.5);
    cr_assert_str_eq(buffer, "2.5");
}

Test(folded, probe_prefers_folded_text)
{
    const struct format *folded = format_by_name("folded");
    const char *good = "main;a 1\nmain;b 2\n";
    const char *bad = "\x7f" "ELF\x02\x01\x01";
    cr_assert_gt(folded->probe(good, strlen(good)), 0);
    cr_assert_eq(folded->probe(bad, strlen(bad)), 0);
}

Test(folded, shared_prefix_reuse_handles_name_prefixes_and_empty_frames)
{
    struct unit_read_result result = read_folded("a;bc 1\na;b 2\na;b;c 3\na;b; 4\na; 5\n;; 6\na;bc;d 7\n"
                                            "a;b;c 8\na;b;cd 9\n");
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, " 6\na 5\na;b 6\na;b;c 11\na;b;cd 9\na;bc 1\na;bc;d 7\n");
    free(text);
    profile_destroy(result.profile);
}

Test(folded, input_order_does_not_change_the_result)
{
    /* Many lines with long shared prefixes, read sorted and reversed. */
    static const char *const names[] = {"f", "foo", "foo.isra", "g", "", "h h"};
    char *forward = NULL, *backward = NULL;
    size_t forward_size = 0, backward_size = 0;
    FILE *forward_file = open_memstream(&forward, &forward_size);
    char lines[400][64];
    unsigned seed = 7;
    for (int i = 0; i < 400; i++) {
        lines[i][0] = '\0';
        int depth = 1 + i % 6;
        for (int level = 0; level < depth; level++) {
            seed = seed * 1103515245u + 12345u;
            if (level)
                strcat(lines[i], ";");
            strcat(lines[i], names[(seed >> 16) % 6]);
        }
        fprintf(forward_file, "%s %d\n", lines[i], i % 7 + 1);
    }
    fclose(forward_file);
    FILE *backward_file = open_memstream(&backward, &backward_size);
    for (int i = 399; i >= 0; i--)
        fprintf(backward_file, "%s %d\n", lines[i], i % 7 + 1);
    fclose(backward_file);
    struct unit_read_result first = read_folded(forward);
    struct unit_read_result second = read_folded(backward);
    char *first_text = unit_folded(first.profile, 0);
    char *second_text = unit_folded(second.profile, 0);
    cr_assert_str_eq(first_text, second_text);
    cr_assert_eq(first.profile->node_count, second.profile->node_count);
    free(first_text);
    free(second_text);
    free(forward);
    free(backward);
    profile_destroy(first.profile);
    profile_destroy(second.profile);
}
