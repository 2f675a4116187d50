// A circuit breaker for the model service. A night-long campaign must not stall or die because the
// service went down: after a few consecutive service failures the breaker opens, the policies run
// offline, and after a cool-down one call is let through to see whether the service is back.

import { log } from "../core/log.ts";

export interface CircuitOptions {
  /** Consecutive service failures that open the breaker. */
  threshold: number;
  /** How long the breaker stays open before one trial call; Infinity keeps it open for good. */
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private permanent = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when a call may go out (closed, or open long enough for a trial). */
  allows(): boolean {
    if (this.openedAt === null) return true;
    if (this.permanent) return false;
    return this.now() - this.openedAt >= this.options.cooldownMs;
  }

  get open(): boolean {
    return this.openedAt !== null;
  }

  success(): void {
    if (this.openedAt !== null) log.info("model service answered again: model policies resume");
    this.failures = 0;
    this.openedAt = null;
  }

  /** A failure of the service itself (HTTP 5xx/529/429, connection refused, timeout). */
  failure(detail: string): void {
    this.failures++;
    const wasOpen = this.openedAt !== null;
    if (wasOpen || this.failures >= this.options.threshold) {
      this.openedAt = this.now();
      // Once per outage, not once per failed trial.
      if (!wasOpen) {
        const retry = Number.isFinite(this.options.cooldownMs) ? `; one trial call every ${Math.round(this.options.cooldownMs / 1000)} s` : "";
        log.warn({ failures: this.failures, detail }, `model service unavailable: the campaign continues on the offline policies${retry}`);
      }
    }
  }

  /** A failure no retry can fix (the service rejected the API key): stays open for the campaign. */
  fatal(detail: string): void {
    if (!this.permanent) log.error({ detail }, "model service refused the request: the campaign continues on the offline policies");
    this.permanent = true;
    this.openedAt = this.now();
  }
}
