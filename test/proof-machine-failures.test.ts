// A proof stopped by the machine rather than by the variant (its process killed from outside, as the OOM
// killer of a crowded machine does; a preprocessor that cannot start) has learned nothing about the variant:
// the verdict is unproven and marked transient, so the critic proves it again rather than store "unproven"
// against a variant that may well be equivalent. What the variant itself causes stays a verdict.

import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { proveInSandbox, proveVariant } from "../proofs/index.ts";
import { exampleSpec } from "./fixtures/proofs/specs.ts";

/** Pids of running proof programs (the bundled prove.mjs under the sandbox). */
function proofProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.some((a) => a.endsWith("/prove.mjs")) && argv.includes("/work/request.json")) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe("a proof process killed from outside", () => {
  it("is unproven and transient, with the exit that says how it ended", async () => {
    const matmul = exampleSpec("matmul");
    const before = new Set(proofProcesses());
    const proving = proveInSandbox({ spec: matmul, params: matmul.baseline, variantSource: matmul.templateSource });
    let settled = false;
    void proving.finally(() => (settled = true));
    let killed = 0;
    while (!settled && killed === 0) {
      for (const pid of proofProcesses()) {
        if (before.has(pid)) continue;
        process.kill(pid, "SIGKILL");
        killed = pid;
      }
      await sleep(20);
    }
    const verdict = await proving;
    expect(killed, `the proof ended before it could be killed: ${JSON.stringify(verdict)}`).toBeGreaterThan(0);
    expect(verdict).toMatchObject({ status: "unproven", transient: true });
    expect(verdict.status === "unproven" && verdict.reason).toMatch(/the proof process failed \((signal SIGKILL|exit 137)\)/);
  }, 180_000);
});

describe("a preprocessor", () => {
  const matmul = exampleSpec("matmul");

  it("that cannot start gives a transient verdict", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const verdict = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: matmul.templateSource });
      expect(verdict).toMatchObject({ status: "unproven", transient: true });
      expect(verdict.status === "unproven" && verdict.reason).toMatch(/could not be preprocessed: gcc -E failed/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("that rejects the variant's text gives a verdict about the variant, not a transient one", async () => {
    const verdict = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: `#error no\n${matmul.templateSource}` });
    expect(verdict.status).toBe("unproven");
    expect(verdict.status === "unproven" && verdict.transient).toBeFalsy();
    expect(verdict.status === "unproven" && verdict.reason).toMatch(/the variant could not be preprocessed: gcc -E failed: .*#error no/);
  });
});
