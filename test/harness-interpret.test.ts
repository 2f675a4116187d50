// The pure interpretation step: the same evidence always gives the same single verdict, and timing
// evidence that cannot be true is rejected. Plus: an executor failure never becomes a kernel verdict.

import { describe, expect, it } from "vitest";
import { interpretVariantRun, interpretVerdict, type HarnessReport, type MeasureContext, type Verdict, type VerdictFailure } from "../harness/interpret.ts";
import { FILES, makeHarnessPlan } from "../harness/plan.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import type { ExecRequest, ExecResult, Executor } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { saxpySpec, testProfile } from "./harness-fixtures.ts";

const spec = saxpySpec();
const device = testProfile();
const ctx: MeasureContext = {
  common: { variantHash: "h", device: device.name, startedAt: "t0", finishedAt: "t1", seed: 7 },
  spec,
  params: { UNROLL: 1 },
  device,
  plan: makeHarnessPlan(spec, { UNROLL: 1 }, device),
  definedSymbols: ["saxpy"],
  calledSymbols: [],
};
const cleanVerdict: Verdict = {
  cases: [{ case: 0, seed: 11, distribution: "uniform", ok: true, maxAbsError: 0, maxRelError: 0 }],
  failures: { wrong: null, inputsModified: null, nondeterministic: null },
};
const report: HarnessReport = { complete: true, repetitions: 5, timingPhaseMs: 50, modifiedOnSecondCall: null };
const exited = (over: Partial<Extract<ExecResult, { kind: "exited" }>> = {}) =>
  ({ kind: "exited", exitCode: 0, signal: null, stdout: "", stderr: "", wallMs: 100, timedOut: false, ...over }) as const;
const failure = (over: Partial<VerdictFailure>): VerdictFailure => ({
  case: 0, repetition: -1, seed: "11", distribution: "uniform", buffer: "out", call: "first", missing: false,
  firstBadIndex: 3, expected: 1, received: 2, maxAbsError: 1, maxRelError: 1, ...over,
});

describe("interpreting timing evidence", () => {
  it("accepts consistent samples with statistics and verification", () => {
    const result = interpretVerdict(ctx, cleanVerdict, report, [1, 2, 3, 2, 1], 100);
    expect(result.status).toBe("ok");
    expect(result.status === "ok" && result.stats.medianMs).toBe(2);
  });

  it("rejects samples adding up to more than the whole process took as timing_inconsistent", () => {
    const result = interpretVerdict(ctx, cleanVerdict, report, [30, 30, 30, 30, 30], 100);
    expect(result.status === "rejected" && result.reason).toBe("timing_inconsistent");
  });

  it("rejects non-finite or missing samples as timing_inconsistent", () => {
    expect(interpretVerdict(ctx, cleanVerdict, report, [1, Number.NaN, 1, 1, 1], 100).status === "rejected").toBe(true);
    const short = interpretVerdict(ctx, cleanVerdict, report, [1, 1], 100);
    expect(short.status === "rejected" && short.reason).toBe("timing_inconsistent");
  });
});

describe("ranking the compare program's findings", () => {
  it("reports a wrong first answer before modified inputs", () => {
    const verdict: Verdict = { ...cleanVerdict, failures: { wrong: failure({}), inputsModified: failure({ buffer: "x" }), nondeterministic: null } };
    expect(interpretVerdict(ctx, verdict, report, [1, 1, 1, 1, 1], 100).status).toBe("wrong_result");
  });

  it("reports modified inputs before a wrong second call, and that before nondeterminism", () => {
    const both: Verdict = { ...cleanVerdict, failures: { wrong: failure({ call: "second" }), inputsModified: failure({ buffer: "x" }), nondeterministic: failure({}) } };
    const first = interpretVerdict(ctx, both, report, [1, 1, 1, 1, 1], 100);
    expect(first.status === "rejected" && first.reason).toBe("inputs_modified");
    const later: Verdict = { ...cleanVerdict, failures: { wrong: failure({ call: "second" }), inputsModified: null, nondeterministic: failure({}) } };
    expect(interpretVerdict(ctx, later, report, [1, 1, 1, 1, 1], 100).status).toBe("wrong_result");
  });
});

describe("interpreting the variant's process", () => {
  it("turns a timed-out run into timeout even when it also has a signal", () => {
    const result = interpretVariantRun(ctx, exited({ timedOut: true, signal: "SIGKILL", exitCode: null }), null, "case 0 call 1");
    expect(result?.status).toBe("timeout");
  });

  it("treats a clean exit without a finished report as runtime_error", () => {
    expect(interpretVariantRun(ctx, exited(), null, "case 2 call 1")?.status).toBe("runtime_error");
    expect(interpretVariantRun(ctx, exited(), { complete: false }, "")?.status).toBe("runtime_error");
  });

  it("lets a finished run through to the reference", () => {
    expect(interpretVariantRun(ctx, exited(), report, "done 5")).toBeNull();
  });
});

/** A real executor whose variant runs fail as if the machine went away. */
class LostDeviceExecutor implements Executor {
  readonly name = "lost-device";
  readonly inner = new LocalExecutor();
  stage(label: string, files: Record<string, string | Buffer>) {
    return this.inner.stage(label, files);
  }
  exec(request: ExecRequest): Promise<ExecResult> {
    // The connection drops when the variant is started: the monitor's run, the first one that is not a build.
    if (request.argv.some((arg) => arg.endsWith(`/${FILES.monitorBinary}`))) return Promise.reject(new Error("connection reset"));
    return this.inner.exec(request);
  }
  readFile(path: string) {
    return this.inner.readFile(path);
  }
  remove(path: string) {
    return this.inner.remove(path);
  }
  close() {
    return this.inner.close();
  }
}

describe("executor failures", () => {
  it("become a retryable infra_error, never a kernel verdict", async () => {
    const executor = new LostDeviceExecutor();
    try {
      const result = await evaluateVariant(executor, makeVariant(spec, { UNROLL: 1 }), device);
      expect(result.status).toBe("infra_error");
      expect(result.status === "infra_error" && result.retryable).toBe(true);
      expect(result.status === "infra_error" && result.cause).toContain("connection reset");
    } finally {
      await executor.close();
    }
  });
});
