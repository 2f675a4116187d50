// Node's timers hold a delay in a signed 32-bit count of milliseconds: a longer one (about 24.8 days) is
// silently replaced by 1 ms, so a generous time limit would fire at once. Every delay that comes from
// configuration goes through here; the schemas refuse absurd values first, with a message naming the field.

import { fail } from "./errors.ts";

/** The longest delay setTimeout honours: 2^31 - 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A delay setTimeout will honour, clamped to [0, MAX_TIMER_DELAY_MS]. NaN is a bug upstream, never "1 ms". */
export function timerDelayMs(ms: number): number {
  if (Number.isNaN(ms)) fail("INTERNAL", "timer delay: expected a number of milliseconds, received NaN");
  return Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS);
}
