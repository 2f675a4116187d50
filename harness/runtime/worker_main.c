/* The trusted main of variant_bin, the only program that runs the variant's kernel. It runs inside the sandbox
 * (harness/runtime/sandbox*.c), started by the monitor (monitor.c), and shares nothing with it but a region of
 * buffers (a memfd) and three pipes. It maps every buffer slot between guard pages, locks itself down
 * (lockdown.h) before the kernel's code can run, says it is ready, then for each command the monitor sends it
 * calls the kernel on that case's buffers and answers with the case index. Everything the kernel could forge
 * (an early answer, a stale result, work left running) is judged by the monitor, which stops this process
 * between calls and reads the buffers itself; nothing this process writes is evidence.
 *
 *   variant_bin <cmd-fd> <reply-fd> <report-fd> <buffers-fd> <stderr-fd> <policy>
 *
 * Built with -DNS_SANITIZE, each call runs on exact-size heap copies of the buffers, so AddressSanitizer's
 * red zones surround them. ns_plan.h (tables) and ns_call.h (the kernel's prototype and call) are generated. */
#include "ns_plan.h"
#include "ns_common.h"
#include "ns_call.h"
#include "ns_layout.h"
#include "lockdown.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

/* Exit statuses the monitor reads as "the worker could not start": never a verdict on the kernel. */
#define NS_WORKER_SETUP_FAILED 157

static void* ns_slot[NS_NBUF];

static void setup_failed(const char* what) {
  const char* prefix = "nightshift worker: cannot ";
  (void)!write(2, prefix, strlen(prefix));
  (void)!write(2, what, strlen(what));
  (void)!write(2, "\n", 1);
  _exit(NS_WORKER_SETUP_FAILED);
}

/* Reserves one range for all slots with a guard page before each slot and after the last, then maps each
 * slot of the shared region into it. */
static void map_slots(int fd) {
  const size_t page = ns_page_bytes();
  size_t total = page;
  for (int b = 0; b < NS_NBUF; b++) total += ns_slot_bytes(b) + page;
  unsigned char* base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) setup_failed("reserve the buffer range");
  unsigned char* at = base + page;
  for (int b = 0; b < NS_NBUF; b++) {
    void* slot = mmap(at, ns_slot_bytes(b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, (off_t)ns_slot_offset(b));
    if (slot == MAP_FAILED) setup_failed("map a buffer slot");
    ns_slot[b] = slot;
    at += ns_slot_bytes(b) + page;
  }
}

static int read_word(int fd, int32_t* value) {
  size_t got = 0;
  while (got < sizeof *value) {
    ssize_t n = read(fd, (char*)value + got, sizeof *value - got);
    if (n > 0) got += (size_t)n;
    else if (n < 0 && errno == EINTR) continue;
    else return -1;
  }
  return 0;
}

static void write_word(int fd, int32_t value) {
  if (write(fd, &value, sizeof value) != (ssize_t)sizeof value) _exit(0);
}

#ifdef NS_SANITIZE
/* Exact-size heap copies, so the sanitizer's red zones sit right at each buffer's ends. */
static void call_case(int k) {
  void* heap[NS_NBUF];
  for (int b = 0; b < NS_NBUF; b++) {
    size_t bytes = ns_bytes(k, b);
    heap[b] = malloc(bytes > 0 ? bytes : 1);
    if (!heap[b]) setup_failed("allocate a sanitizer copy");
    memcpy(heap[b], (unsigned char*)ns_slot[b] + ns_buffer_offset(k, b), bytes);
  }
  ns_call_kernel(heap, ns_case_scalar[k]);
  for (int b = 0; b < NS_NBUF; b++) {
    memcpy((unsigned char*)ns_slot[b] + ns_buffer_offset(k, b), heap[b], ns_bytes(k, b));
    free(heap[b]);
  }
}
#else
static void call_case(int k) {
  void* bufs[NS_NBUF];
  for (int b = 0; b < NS_NBUF; b++) bufs[b] = (unsigned char*)ns_slot[b] + ns_buffer_offset(k, b);
  ns_call_kernel(bufs, ns_case_scalar[k]);
}
#endif

int main(int argc, char** argv) {
  if (argc < 7) setup_failed("start: expected <cmd-fd> <reply-fd> <report-fd> <buffers-fd> <stderr-fd> <policy>");
  const int cmd = atoi(argv[1]), reply = atoi(argv[2]), report = atoi(argv[3]), buffers = atoi(argv[4]), err = atoi(argv[5]);
  const int policy = ns_policy_from_name(argv[6]);
  if (policy < 0) setup_failed("start: unknown policy");
  if (dup2(err, 2) < 0) setup_failed("redirect stderr");
  /* stdio may not allocate once locked down: give it a buffer now. */
  static char out_buffer[BUFSIZ];
  setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
  map_slots(buffers);
  /* The mappings stay; the descriptors go, so the kernel cannot write() the region behind the guard pages
     or reach the stderr pipe under a second number. */
  if (close(buffers) != 0 || (err != 2 && close(err) != 0)) setup_failed("close the buffers' descriptor");
  if (ns_lockdown((ns_policy)policy, report) != 0) setup_failed("lock down");
  write_word(reply, NS_READY_MAGIC);
  for (;;) {
    int32_t k;
    if (read_word(cmd, &k) != 0 || k == NS_CMD_EXIT) _exit(0);
    if (k >= 0 && k < NS_NCASES) call_case(k);
    write_word(reply, k);
  }
}
