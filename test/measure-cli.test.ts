// `nightshift measure` as a user runs it: a real subprocess, real builds, exit codes that scripts can use.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHEATS_DIR, FIXTURES, SAXPY_DIR } from "./harness-fixtures.ts";

const ROOT = join(FIXTURES, "..", "..");
const PROFILE = join(FIXTURES, "test-local-profile.json");

function measure(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, "bin", "nightshift.js"), "measure", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("nightshift measure", () => {
  it("prints one JSON object with the verdict, median, samples and verification, and exits 0 for a correct variant", () => {
    const { code, stdout, stderr } = measure(SAXPY_DIR, "--params", "UNROLL=2", "--device", PROFILE, "--json");
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(out.status).toBe("ok");
    expect(out.samples).toHaveLength(5);
    expect(out.medianMs).toBe(out.result.stats.medianMs);
    expect(out.verification.cases).toHaveLength(6);
    expect(out.result.build.command).toContain("-DUNROLL=2");
  });

  it("prints a human verdict naming the failing output and exits 1 for a wrong variant", () => {
    const { code, stdout } = measure(SAXPY_DIR, "--source", join(CHEATS_DIR, "partial_output.c"), "--device", PROFILE);
    expect(code).toBe(1);
    expect(stdout).toContain("wrong_result");
    expect(stdout).toContain("output out wrong at index 10000");
  });

  it("exits 2 with one line naming the field for a bad spec, without a stack trace", () => {
    const { code, stdout, stderr } = measure(join(FIXTURES, "saxpy-bad"), "--device", PROFILE);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("spec.timing.repetitions");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 before building anything for a C kernel on a GPU profile without a cpu section", () => {
    const { code, stdout, stderr } = measure(SAXPY_DIR, "--device", "h200");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("device h200: expected a profile with a cpu section");
  });

  it("exits 2 for a parameter value outside the search space", () => {
    const { code, stderr } = measure(SAXPY_DIR, "--params", "UNROLL=3", "--device", PROFILE);
    expect(code).toBe(2);
    expect(stderr).toContain("params.UNROLL");
  });
});
