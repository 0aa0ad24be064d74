/* chrome.h — Chrome's .cpuprofile and Trace Event Format JSON, read. */
#ifndef EMBER_CHROME_H
#define EMBER_CHROME_H

#include "format.h"

extern const struct format chrome_format;

#endif
