// The local executor (process groups, limits, clean-up) and the local runner's schedule: one result per
// variant in input order, builds in parallel, timed runs one at a time, reference staged only afterwards.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { buildVariant, discardBuild, measureVariant } from "../harness/protocol.ts";
import type { EvalResult, ExecRequest, ExecResult, Executor } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { createRunner } from "../runners/factory.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { LocalRunner } from "../runners/local.ts";
import { cheatVariant, saxpySpec, testProfile } from "./harness-fixtures.ts";

function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

describe("local executor", () => {
  const executor = new LocalExecutor();
  afterAll(() => executor.close());

  it("kills the whole process group at the timeout, background children included", async () => {
    const dir = await executor.stage("timeout", {});
    const marker = "987.6543";
    const result = await executor.exec({ argv: ["sh", "-c", `sleep ${marker} & sleep ${marker}`], cwd: dir, timeoutMs: 300 });
    expect(result.kind).toBe("exited");
    expect(result.kind === "exited" && result.timedOut).toBe(true);
    expect(result.kind === "exited" && result.signal).toBe("SIGKILL");
    expect(processesMentioning(marker)).toEqual([]);
  });

  it("leaves nothing behind when a program exits normally after starting a background process", async () => {
    const dir = await executor.stage("daemon", {});
    const marker = "987.3219";
    const result = await executor.exec({ argv: ["sh", "-c", `sleep ${marker} & exit 0`], cwd: dir, timeoutMs: 10_000 });
    expect(result.kind === "exited" && result.exitCode).toBe(0);
    expect(result.kind === "exited" && result.timedOut).toBe(false);
    expect(processesMentioning(marker)).toEqual([]);
  });

  it("enforces the memory limit on the program it runs", async () => {
    const dir = await executor.stage("memory", {});
    const grab = ["python3", "-c", "x = bytearray(400 * 1024 * 1024); print('allocated')"];
    const limited = await executor.exec({ argv: grab, cwd: dir, timeoutMs: 20_000, memoryLimitMb: 100 });
    expect(limited.kind === "exited" && limited.exitCode).not.toBe(0);
    expect(limited.kind === "exited" && limited.stdout).not.toContain("allocated");
  });

  it("reports a program that cannot be started as an infrastructure fault, not a kernel verdict", async () => {
    const dir = await executor.stage("missing", {});
    const result = await executor.exec({ argv: ["/nonexistent/tool"], cwd: dir, timeoutMs: 1000 });
    expect(result.kind).toBe("infra");
  });

  it("stages fresh directories holding exactly the given files and removes them", async () => {
    const a = await executor.stage("same", { "a.txt": "one" });
    const b = await executor.stage("same", { "b.txt": Buffer.from("two") });
    expect(a).not.toBe(b);
    expect(readdirSync(a)).toEqual(["a.txt"]);
    expect((await executor.readFile(`${b}/b.txt`)).toString()).toBe("two");
    await executor.remove(a);
    expect(existsSync(a)).toBe(false);
  });
});

type Kind = "build" | "run" | "reference";

/** Wraps the real executor and records what ran when (as counters and order, never as durations). */
class RecordingExecutor implements Executor {
  readonly name = "recording";
  readonly inner = new LocalExecutor();
  readonly inFlight: Record<Kind, number> = { build: 0, run: 0, reference: 0 };
  readonly maxInFlight: Record<Kind, number> = { build: 0, run: 0, reference: 0 };
  buildsStartedDuringRun = 0;
  readonly order: string[] = [];
  readonly staged: Array<{ dir: string; files: string[] }> = [];

  async stage(label: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = await this.inner.stage(label, files);
    this.staged.push({ dir, files: Object.keys(files) });
    this.order.push(`stage ${label}`);
    return dir;
  }

  /** The monitor runs the variant (and its sanitized build); the compare program is the reference side. */
  private kind(request: ExecRequest): Kind {
    if (request.argv[0]!.endsWith("/monitor")) return "run";
    return request.argv[0]!.endsWith("/compare_bin") ? "reference" : "build";
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    const kind = this.kind(request);
    if (kind === "build" && this.inFlight.run > 0) this.buildsStartedDuringRun++;
    this.inFlight[kind]++;
    this.maxInFlight[kind] = Math.max(this.maxInFlight[kind], this.inFlight[kind]);
    this.order.push(`start ${kind} ${request.argv[0]}`);
    try {
      return await this.inner.exec(request);
    } finally {
      this.inFlight[kind]--;
      this.order.push(`end ${kind} ${request.argv[0]}`);
    }
  }

  readFile(path: string): Promise<Buffer> {
    return this.inner.readFile(path);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe("local runner", () => {
  it("returns one result per variant in input order, building two at a time and timing one at a time", async () => {
    const spec = saxpySpec();
    const batch = [
      makeVariant(spec, { UNROLL: 1 }),
      cheatVariant(spec, "wrong_result"),
      makeVariant(spec, {}, { source: "void saxpy(int n) { not C }\n" }),
      makeVariant(spec, { UNROLL: 4 }),
      makeVariant(spec, { UNROLL: 2 }),
    ];
    const executor = new RecordingExecutor();
    const runner = new LocalRunner(testProfile(2), { executor });
    const reported: EvalResult[] = [];
    const results = await runner.run(batch, { onResult: (r) => void reported.push(r) });

    expect(results.map((r) => r.variantHash)).toEqual(batch.map((v) => v.hash));
    expect(results.map((r) => r.status)).toEqual(["ok", "wrong_result", "compile_error", "ok", "ok"]);
    expect(reported.map((r) => r.variantHash).sort()).toEqual(batch.map((v) => v.hash).sort());
    expect(executor.maxInFlight.build).toBe(2);
    expect(executor.maxInFlight.run).toBe(1);
    expect(executor.buildsStartedDuringRun).toBe(0);

    // A variant's directory holds its source and generated headers only; the reference lives in a trusted
    // directory of its own, and the compare program runs only after a variant run ended.
    for (const s of executor.staged.filter((s) => s.dir.includes("/variant-"))) expect(s.files.sort()).toEqual(["ns_call.h", "ns_plan.h", "variant.c"]);
    for (const s of executor.staged.filter((s) => s.dir.includes("/trusted-"))) expect(s.files).toContain("reference.c");
    const firstReference = executor.order.findIndex((e) => e.startsWith("start reference"));
    expect(firstReference).toBeGreaterThan(executor.order.findIndex((e) => e.startsWith("end run")));
    // Work directories are cleaned up as soon as each variant is done; only nightshift's tools stay for the next.
    expect(executor.staged.filter((s) => existsSync(s.dir)).map((s) => s.dir.split("/").pop()!.replace(/-[0-9a-f]{12}-\w+$/, ""))).toEqual(["tools"]);
    await runner.close();
  });

  it("answers an aborted batch with retryable infra_error results instead of running it", async () => {
    const spec = saxpySpec();
    const runner = new LocalRunner(testProfile(1));
    const controller = new AbortController();
    controller.abort();
    const results = await runner.run([makeVariant(spec, { UNROLL: 1 })], { signal: controller.signal });
    expect(results).toHaveLength(1);
    expect(results[0]!.status).toBe("infra_error");
    expect(results[0]!.status === "infra_error" && results[0]!.retryable).toBe(true);
    await runner.close();
  });
});

describe("runner factory", () => {
  it("creates the local runner for a local profile", async () => {
    const runner = createRunner(testProfile());
    expect(runner).toBeInstanceOf(LocalRunner);
    await runner.close();
  });

});

describe("measuring a built variant again", () => {
  it("re-measures the same build with a fresh seed and fresh evidence", async () => {
    const executor = new LocalExecutor();
    const device = testProfile();
    try {
      const outcome = await buildVariant(executor, makeVariant(saxpySpec(), { UNROLL: 2 }), device);
      expect(outcome.kind).toBe("built");
      if (outcome.kind !== "built") return;
      const first = await measureVariant(executor, outcome.built, device, { seed: 101 });
      const second = await measureVariant(executor, outcome.built, device, { seed: 202 });
      expect([first.status, second.status]).toEqual(["ok", "ok"]);
      expect([first.seed, second.seed]).toEqual([101, 202]);
      const seeds = (r: EvalResult) => (r.status === "ok" ? r.verification.cases.map((c) => c.seed) : []);
      expect(seeds(first)).not.toEqual(seeds(second));
      await discardBuild(executor, outcome.built);
      expect(existsSync(outcome.built.dir)).toBe(false);
    } finally {
      await executor.close();
    }
  });
});
