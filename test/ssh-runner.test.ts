import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { createRunner } from "../runners/factory.ts";
import { SshRunner } from "../runners/ssh.ts";
import { kernelSpecSchema } from "../specs/schema.ts";
import { processesMatching, timedRunsUnder, waitFor } from "../testbed/procs.ts";
import { sshProfile, tinySpec } from "../testbed/remote-device.ts";
import { haveSshd, sshdSkipReason, startSshd, type SshdFixture } from "../testbed/sshd.ts";

describe("parameter values never reach a shell as code", () => {
  it("rejects parameter values with shell metacharacters in the spec schema and when making a variant", () => {
    const spec = tinySpec({ parameters: { UNROLL: [1, 2] }, baseline: { UNROLL: 1 } });
    const { dir: _d, id: _i, templateSource: _t, referenceSource: _r, ...file } = spec;
    for (const evil of ["1;touch /tmp/x", "$(id)", "`id`", "a b", "1|sh", "'", "1&&id"]) {
      expect(kernelSpecSchema.safeParse({ ...file, parameters: { UNROLL: [1, evil] } }).success).toBe(false);
      let error: unknown;
      try {
        makeVariant(spec, { UNROLL: evil });
      } catch (e) {
        error = e;
      }
      expect(isNightshiftError(error) && error.code === "PARAMS_INVALID").toBe(true);
    }
  });
});

describe.skipIf(!haveSshd)(`SshRunner on a real sshd${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("builds, runs and verifies variants remotely, one result per variant in batch order, each reported as it is ready", async () => {
    const spec = tinySpec({ parameters: { UNROLL: [1, 2, 4], BIAS: [0, 1] }, baseline: { UNROLL: 1, BIAS: 0 } });
    const runner = createRunner(sshProfile(sshd, "remote-cpu"));
    expect(runner).toBeInstanceOf(SshRunner);
    const batch = [makeVariant(spec, {}), makeVariant(spec, { UNROLL: 4 }), makeVariant(spec, { BIAS: 1 })];
    const seen: EvalResult[] = [];
    const results = await runner.run(batch, { onResult: (r) => void seen.push(r) });
    await runner.close();
    expect(results.map((r) => r.variantHash)).toEqual(batch.map((v) => v.hash));
    expect(new Set(seen.map((r) => r.variantHash))).toEqual(new Set(batch.map((v) => v.hash)));
    for (const r of results) {
      expect(r).toMatchObject({ status: "ok", device: "remote-cpu" });
      if (r.status === "ok") {
        expect(r.samplesMs.length).toBeGreaterThan(0);
        expect(r.verification.cases.every((c) => c.ok)).toBe(true);
      }
    }
  });

  it("stops remote work at once when the campaign is aborted: in-flight variants end as retryable infra errors and no process stays", async () => {
    const spec = tinySpec({ parameters: { UNROLL: [1, 8] }, baseline: { UNROLL: 1 }, unrollHangs: 8, timeLimitSeconds: 60 });
    const runner = new SshRunner(sshProfile(sshd, "abortable"));
    const controller = new AbortController();
    const running = runner.run([makeVariant(spec, { UNROLL: 8 })], { signal: controller.signal });
    await waitFor(() => timedRunsUnder(`${sshd.workDir}/stage/variant-`).length > 0, 60_000, "the hanging variant to run");
    controller.abort();
    // The variant hangs for its 60 s limit: only the abort can end it now, as a retryable infra error.
    const [result] = await running;
    expect(result).toMatchObject({ status: "infra_error", retryable: true });
    await runner.close();
    await waitFor(() => processesMatching(sshd.workDir).length === 0, 10_000, `no process under ${sshd.workDir}`);
  });
});
