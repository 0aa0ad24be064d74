/* svg_script.h — the interactive JavaScript of ember's SVG flame graphs. */
#ifndef EMBER_SVG_SCRIPT_H
#define EMBER_SVG_SCRIPT_H

extern const char svg_script[];

#endif
