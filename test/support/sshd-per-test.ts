// Per-test sshd fixtures for vitest files; kept apart from sshd.ts so scripts outside vitest (the SSH
// overhead benchmark) can start an sshd without importing the test runner.

import { afterEach } from "vitest";
import { startSshd, type SshdFixture, type SshdOptions } from "../../testbed/sshd.ts";

/**
 * An sshd per test: every fixture `sshd()` starts, and everything handed to `stopAfterTest`, is stopped
 * when the test ends, passed or failed, so a failing test leaves no server running into the next one.
 * Call once at the top of a test file.
 */
export function sshdPerTest(): { sshd(options?: SshdOptions): Promise<SshdFixture>; stopAfterTest(stop: () => Promise<void>): void } {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => {});
  });
  return {
    async sshd(options) {
      const s = await startSshd(options);
      stops.push(() => s.stop());
      return s;
    },
    stopAfterTest(stop) {
      stops.push(stop);
    },
  };
}
