// The monitor's rule from a timed call's wall time to the kernel's sample (harness/runtime/ns_samples.h),
// compiled as the monitor compiles it: the protocol's cost comes off, and a call faster than every overhead
// probe (probes slowed by load) keeps a tenth of its time, so an honest fast kernel never measures zero and
// is never called impossibly fast.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const RUNTIME = join(import.meta.dirname, "..", "harness", "runtime");
const dir = mkdtempSync(join(tmpdir(), "nightshift-samples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs ns_kernel_sample on each [call, overhead] pair and returns the samples. */
function samples(pairs: ReadonlyArray<[number, number]>): number[] {
  const program = join(dir, "samples.c");
  writeFileSync(
    program,
    `#include <stdio.h>\n#include "ns_samples.h"\nint main(void) {\n` +
      pairs.map(([call, overhead]) => `  printf("%.17g\\n", ns_kernel_sample(${call}, ${overhead}));\n`).join("") +
      "  return 0;\n}\n",
  );
  const binary = join(dir, "samples");
  execFileSync("gcc", ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", RUNTIME, program, "-o", binary]);
  return execFileSync(binary, { encoding: "utf8" }).trim().split("\n").map(Number);
}

describe("the monitor's samples", () => {
  it("take the protocol's own cost off a timed call that costs more than it", () => {
    const [a, b] = samples([
      [0.05, 0.01],
      [2.5, 0.5],
    ]);
    expect(a).toBeCloseTo(0.04, 12);
    expect(b).toBeCloseTo(2.0, 12);
  });

  it("never reach zero when every overhead probe was slower than the timed call", () => {
    const out = samples([
      [0.02, 0.05],
      [0.05, 0.05],
      [0.011, 0.01],
    ]);
    expect(out[0]).toBeCloseTo(0.002, 12);
    expect(out[1]).toBeCloseTo(0.005, 12);
    // Just above the cost: what is left is smaller than a tenth of the call, so the tenth stays.
    expect(out[2]).toBeCloseTo(0.0011, 12);
    for (const s of out) expect(s).toBeGreaterThan(0);
  });
});
