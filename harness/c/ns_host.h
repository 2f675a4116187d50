/* The host helpers both harnesses wrap each kernel call in: progress lines (ns_step), the thread count
 * (ns_threads), the clock (ns_now_ms) and the early stop that writes an incomplete report (ns_stop).
 * Expects NS_REPORT_FILE, and ns_stop_extra (what a harness adds to the stop report), declared first. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void ns_stop_extra(FILE* f);

#include "ns_progress.h"

static int ns_threads(void) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

#include "ns_clock.h"

/** Ends the run early with a report naming the check that failed; the dumps so far are not trusted. */
static void ns_stop(const char* reason, const char* where, int k, int call, int before, int after) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":false,\"stop\":{\"reason\":\"%s\",\"where\":\"%s\",\"case\":%d,\"call\":%d,\"threadsBefore\":%d,\"threadsAfter\":%d}",
          reason, where, k, call, before, after);
  ns_stop_extra(f);
  fputs("}\n", f);
  fclose(f);
  exit(0);
}
