// Issue #12, class 3: numbers that flow into the machine are checked when the spec or profile is loaded and
// blamed on it: time limits a timer cannot hold, scalars that are NaN or overflow their dtype, buffers the
// generated C cannot hold, and verify sizes that break the kernel's own restrictions.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_TIMER_DELAY_MS, timerDelayMs } from "../core/timer-delay.ts";
import { parseProfile } from "../hardware-profiles/load.ts";
import { makeVariant } from "../harness/variant.ts";
import { loadSpec } from "../specs/load.ts";
import { oneLineError } from "./support/one-line.ts";
import { specCopy } from "./support/spec-copy.ts";

const scratch = mkdtempSync(join(tmpdir(), "nightshift-numbers-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const refused = (mutate: (spec: Record<string, any>) => void) => oneLineError(() => loadSpec(specCopy(scratch, mutate)), "SPEC_INVALID").message;

describe("timers", () => {
  it("never hand setTimeout a delay it would replace by 1 ms", () => {
    expect(timerDelayMs(1e12)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelayMs(-5)).toBe(0);
    expect(timerDelayMs(1500)).toBe(1500);
  });

  it("refuse a variant time limit longer than a day at load", () => {
    expect(refused((s) => (s.timing.timeLimitSeconds = 1e10))).toBe("spec.timing.timeLimitSeconds: expected a number at most 86400, received 10000000000");
  });

  it("refuse a profile's connection timeout longer than ten minutes", () => {
    const raw = { name: "lab", kind: "cpu", reach: { via: "ssh", host: "h", user: "u", identityFile: "k", hostKeySha256: "SHA256:abc", connectTimeoutMs: 2 ** 40 } };
    expect(oneLineError(() => parseProfile(raw, "/lab.json"), "PROFILE_INVALID").message).toBe("profile.reach.connectTimeoutMs: expected a number at most 600000, received 1099511627776 (/lab.json)");
  });
});

describe("scalars and buffers at every size", () => {
  it("refuse a scalar that evaluates to NaN", () => {
    expect(refused((s) => (s.arguments[2] = { name: "n", kind: "scalar", dtype: "float32", value: "(N - N) / (N - N)" }))).toBe(
      'arguments[2].value: expected a finite number that fits float32 (-3.4028234663852886e+38 to 3.4028234663852886e+38) at problem.tune {"N":65536}, received NaN from "(N - N) / (N - N)"',
    );
  });

  it("refuse a scalar that overflows its integer dtype", () => {
    expect(refused((s) => (s.arguments[2].value = "N * N"))).toBe('arguments[2].value: expected a whole number that fits int32 (-2147483648 to 2147483647) at problem.tune {"N":65536}, received 4294967296 from "N * N"');
  });

  it("refuse a buffer too large for the memory limit, naming the size it was evaluated at", () => {
    expect(refused((s) => (s.problem.verify = [{ N: 1000 }, { N: 2 ** 40 }]))).toBe(
      'arguments[0].length: expected a whole number of float32 elements from 1 to 134217728 (timing.memoryLimitMb is 512) at problem.verify[1] {"N":1099511627776}, received 1099511627776 from "N"',
    );
  });

  it("refuse a length that is not a whole number", () => {
    expect(refused((s) => (s.arguments[0].length = "N / 3"))).toMatch(/^arguments\[0\]\.length: expected a whole number of float32 elements from 1 to 134217728 .* at problem\.tune \{"N":65536\}, received 21845\.33/);
  });
});

describe("verify sizes are the spec's responsibility", () => {
  const divisible = (s: Record<string, any>) => {
    s.restrictions = ["N % (UNROLL * 8) == 0"];
    s.problem.verify = [{ N: 1000 }, { N: 1001 }];
  };

  it("refuse a verify size at which the baseline breaks a restriction on the problem size", () => {
    expect(refused(divisible)).toBe(
      'problem.verify[1]: expected a size at which the configuration {"UNROLL":1,"PASSES":16,"FLAVOR":"plain"} satisfies restrictions[0] "N % (UNROLL * 8) == 0" as it does at the tuning size, received {"N":1001} (verify sizes must be sizes the kernel supports; a restriction meant only for the tuning size belongs in tuneRestrictions)',
    );
  });

  it("blame the spec, not the variant, when a configuration breaks a restriction only at a verify size", () => {
    const spec = loadSpec(specCopy(scratch, (s) => (s.restrictions = ["N % (UNROLL * 8192) == 0 or UNROLL == 1"])));
    const error = oneLineError(() => makeVariant(spec, { UNROLL: 2 }), "SPEC_INVALID");
    expect(error.message).toMatch(/^problem\.verify\[0\]: expected a size at which the configuration \{"UNROLL":2,"PASSES":16,"FLAVOR":"plain"\} satisfies restrictions\[0\] .* received \{"N":1000\}/);
  });

  it("let a tuning-size preference in tuneRestrictions apply at the tuning size only", () => {
    const spec = loadSpec(specCopy(scratch, (s) => (s.tuneRestrictions = ["UNROLL * 16384 <= N"])));
    expect(makeVariant(spec, { UNROLL: 4 }).params.UNROLL).toBe(4);
    expect(oneLineError(() => makeVariant(spec, { UNROLL: 8 } as never), "PARAMS_INVALID").message).toContain("expected one of [1,2,4], received 8");
  });

  it("refuse a baseline that breaks a restriction at the tuning size when the spec loads, not when it first runs", () => {
    expect(refused((s) => (s.restrictions = ["UNROLL > 1"]))).toBe('baseline: expected parameters satisfying restrictions[0] "UNROLL > 1" at the tuning size, received {"UNROLL":1,"PASSES":16,"FLAVOR":"plain"}');
  });
});
