/* python_layouts.c — picks the generated structure layout (layout_3_X.c)
 * of a CPython minor version. */
#include "python_layout.h"

#include <stddef.h>

const struct python_layout *python_layout_find(int major, int minor)
{
    static const struct python_layout *const layouts[] = {
        &python_layout_3_6,  &python_layout_3_7,  &python_layout_3_8,  &python_layout_3_9,
        &python_layout_3_10, &python_layout_3_11, &python_layout_3_12, &python_layout_3_13,
    };
    if (major != 3) return NULL;
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i]->minor == minor) return layouts[i];
    return NULL;
}
