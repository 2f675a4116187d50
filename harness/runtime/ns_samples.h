/* From the timed calls' wall times to the kernel's samples: the protocol's own cost per call (resume, answer,
 * stop), measured on calls that do nothing, comes off each. The cost is the minimum over probes made before
 * any kernel code ran and again after the timed phase, so a kernel that slowed the later probes cannot make its
 * own samples smaller than the first probes allow. A timed call faster than every probe shows that something
 * the call did not meet (load at that moment) slowed them all: a tenth of the call's own time stays, so a fast
 * honest kernel never measures zero, which the physics floor would call impossible. Only a problem whose floor
 * is below the protocol's own cost (microseconds) loses the floor's protection that way; its outputs are still
 * checked on every repetition. */
#ifndef NS_SAMPLES_H
#define NS_SAMPLES_H

static double ns_kernel_sample(double call_ms, double overhead_ms) {
  double kept = call_ms - overhead_ms, least = call_ms * 0.1;
  return kept > least ? kept : least;
}

#endif
