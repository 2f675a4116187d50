// How close a passing variant came to failing: the compare program reports, per case, the largest share of
// its tolerance (|received - expected| / (atol + rtol |expected|)) any element used. Relative error alone
// misleads: near zero the absolute tolerance decides, so a large relative error can still pass comfortably.

import { describe, expect, it } from "vitest";
import { describeResult } from "../cli/measure.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { saxpySpec, testProfile } from "./harness-fixtures.ts";

/** Off by a constant 4e-6: 0.4 of float32's atol of 1e-5 where the answer is near zero, far more than rtol elsewhere. */
const SLIGHTLY_OFF = `void saxpy(int n, float a, const float* x, const float* y, float* out) {
  for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i] + 4e-6f;
}
`;

describe("the share of the tolerance the worst element used", () => {
  it("is measured by the compare program for every verified case, alongside the raw errors", async () => {
    const executor = new LocalExecutor();
    let result: EvalResult;
    try {
      result = await evaluateVariant(executor, makeVariant(saxpySpec(), {}, { source: SLIGHTLY_OFF }), testProfile(), { seed: 17 });
    } finally {
      await executor.close();
    }
    expect(result.status, JSON.stringify(result).slice(0, 600)).toBe("ok");
    if (result.status !== "ok") return;
    const used = result.verification.cases.map((c) => c.toleranceUsed!);
    expect(used.every((u) => u > 0 && u <= 0.41)).toBe(true);
    expect(Math.max(...used)).toBeGreaterThan(0.3);
    // The raw relative error of the same run looks alarming next to it, which is why it is not the headline.
    expect(Math.max(...result.verification.cases.map((c) => c.maxRelError))).toBeGreaterThan(0.01);
  });

  it("is what the human verdict reports for a passing variant, not the largest relative error", () => {
    const variant = makeVariant(saxpySpec(), {});
    const result: EvalResult = {
      variantHash: variant.hash,
      device: "test-local",
      startedAt: "t0",
      finishedAt: "t1",
      seed: 3,
      status: "ok",
      samplesMs: [1, 1, 1],
      stats: { medianMs: 1, minMs: 1, maxMs: 1, meanMs: 1, relativeIqr: 0, ci95Ms: [1, 1], n: 3 },
      verification: {
        cases: [
          { size: { N: 37 }, seed: 1, distribution: "uniform", ok: true, maxAbsError: 1e-6, maxRelError: 0.368, toleranceUsed: 0.21 },
          { size: { N: 37 }, seed: 2, distribution: "normal", ok: true, maxAbsError: 1e-6, maxRelError: 0.05, toleranceUsed: 0.03 },
        ],
        inputsUnchanged: true,
        deterministic: true,
        definedSymbols: ["saxpy"],
        calledSymbols: [],
      },
    };
    const text = describeResult(variant, result);
    expect(text).toContain("worst element at 0.21 of its tolerance");
    expect(text).not.toContain("0.368");
  });
});
