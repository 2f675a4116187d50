/* Progress lines of a trusted program (which step it is in), and its clock. Shown when a run ends early;
 * never evidence. */
#ifndef NS_PROGRESS_H
#define NS_PROGRESS_H
#include <stdarg.h>
#include <stdio.h>
#include "ns_clock.h"

static FILE* ns_progress;

static void ns_step(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vfprintf(ns_progress, fmt, args);
  va_end(args);
  fputc('\n', ns_progress);
  fflush(ns_progress);
}
#endif
