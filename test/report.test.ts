import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport, type ReportFiles } from "../results/report.ts";
import { deviceHeadline } from "../results/headline.ts";
import { bestVerified, failuresByKind, verifiedVariants } from "../results/summary.ts";
import { buildNight, incumbent, type NightFixture } from "./report-fixtures.ts";

let dir: string;
let night: NightFixture;
let files: ReportFiles;
let markdown: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-report-"));
  night = buildNight(dir);
  files = writeReport(night.store, night.campaignId, join(dir, "out"));
  markdown = readFileSync(files.markdownPath, "utf8");
});
afterAll(() => {
  night.store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("summary queries", () => {
  it("never calls a variant verified once a confirmation found it wrong", () => {
    const evaluations = night.store.evaluations(night.campaignId);
    const verified = verifiedVariants(evaluations, "cpu-a");
    expect(verified.map((v) => v.variantHash)).not.toContain(night.cheater.hash);
    // The close call is verified and the fastest, yet without an acceptance by the critic it is no winner.
    expect(verified[0]!.variantHash).toBe(night.closeCall.hash);
    expect(bestVerified(evaluations, "cpu-a", [])).toBeNull();
    // The confirmation run (25 samples) is the one reported for a re-measured variant.
    const remeasured = verified.find((v) => v.variantHash === night.bestA.hash)!;
    expect(remeasured.samples).toBe(25);
    expect(remeasured.measurements).toBe(2);
  });

  it("prefers the critic's latest accepted incumbent, with the critic's numbers, over a close call", () => {
    const evaluations = night.store.evaluations(night.campaignId);
    const best = bestVerified(evaluations, "cpu-a", night.store.incumbents(night.campaignId))!;
    expect(best.variantHash).toBe(night.bestA.hash);
    expect(best.medianMs).toBe(1.86);
    expect(best.ci95Ms).toEqual([1.84, 1.88]);
    expect(best.acceptedVerdict).toContain("after interleaved confirmation");
  });

  it("names no best when the only variant the critic accepted was later found wrong, however fast the others", () => {
    const evaluations = night.store.evaluations(night.campaignId);
    const withdrawn = [{ campaignId: night.campaignId, incumbent: incumbent("cpu-a", night.cheater, 0.9, [0.89, 0.91]), verdict: "first verified variant", createdAt: "2026-01-01T00:00:00Z" }];
    expect(verifiedVariants(evaluations, "cpu-a").length).toBeGreaterThan(0);
    expect(bestVerified(evaluations, "cpu-a", withdrawn)).toBeNull();
  });

  it("after a demotion names the fallback with the verdict it was accepted under, and none when nothing was left", () => {
    const evaluations = night.store.evaluations(night.campaignId);
    const base = night.store.evaluations(night.campaignId, { device: "cpu-a" })[0]!;
    const at = "2026-01-01T00:00:00Z";
    const baseIncumbent = { device: "cpu-a", variantHash: base.variantHash, params: base.params, family: "template", medianMs: 4, ci95Ms: [3.97, 4.03] as [number, number] };
    const u4 = incumbent("cpu-a", night.bestA, 1.86, [1.84, 1.88]);
    const records = [
      { campaignId: night.campaignId, incumbent: baseIncumbent, verdict: "first verified variant (the baseline)", createdAt: at },
      { campaignId: night.campaignId, incumbent: u4, verdict: `accepted ${u4.variantHash} after interleaved confirmation`, createdAt: at },
    ];
    const fellBack = { campaignId: night.campaignId, incumbent: baseIncumbent, verdict: `demoted ${u4.variantHash}: incumbent failed its confirmation run; the incumbent is ${base.variantHash} again`, createdAt: at };
    const best = bestVerified(evaluations, "cpu-a", [...records, fellBack])!;
    expect(best.variantHash).toBe(base.variantHash);
    expect(best.acceptedVerdict).toMatch(/^first verified variant \(the baseline\) \(incumbent again after: demoted /);
    const noneLeft = { campaignId: night.campaignId, incumbent: u4, verdict: `demoted ${u4.variantHash}: incumbent failed its confirmation run; no verified incumbent is left`, createdAt: at };
    expect(bestVerified(evaluations, "cpu-a", [records[1]!, noneLeft])).toBeNull();
  });

  it("gives the speedup over the baseline with an interval from both medians' intervals", () => {
    const evaluations = night.store.evaluations(night.campaignId);
    const h = deviceHeadline(evaluations, night.store.incumbents(night.campaignId), "cpu-a");
    expect(h.speedup).toBeCloseTo(4.0 / 1.86, 2);
    expect(h.speedupCi95![0]).toBeLessThan(h.speedup!);
    expect(h.speedupCi95![1]).toBeGreaterThan(h.speedup!);
    expect(h.speedupCi95![0]).toBeGreaterThan(1);
  });

  it("counts failures per status and reason, leaving ok results out", () => {
    const counts = failuresByKind(night.store.evaluations(night.campaignId), "cpu-a");
    expect(counts).toEqual(
      expect.arrayContaining([
        { status: "compile_error", count: 1 },
        { status: "rejected", detail: "impossible_time", count: 1 },
        { status: "wrong_result", count: 1 },
        { status: "infra_error", count: 1 },
      ]),
    );
    expect(counts.reduce((a, c) => a + c.count, 0)).toBe(4);
  });
});

describe("writeReport", () => {
  it("summarises the campaign: spec, devices, strategy, seed, budget and stop reason", () => {
    expect(markdown).toContain(`# Campaign ${night.campaignId}: vadd`);
    expect(markdown).toMatch(/\| Devices \| cpu-a, cpu-b \|/);
    expect(markdown).toMatch(/\| Strategy \| random \|/);
    expect(markdown).toMatch(/\| Seed \| 42 \|/);
    expect(markdown).toMatch(/\| Budget \| 20 evaluations per device/);
    expect(markdown).toMatch(/\| State \| finished \(stopped: budget\) \|/);
    expect(markdown).toContain("![convergence](vadd_convergence.svg)");
  });

  it("reports per device the baseline, the best verified variant and a speedup with its interval", () => {
    const cpuA = markdown.slice(markdown.indexOf("## Device cpu-a"), markdown.indexOf("## Device cpu-b"));
    expect(cpuA).toContain("- Baseline (UNROLL=1, BLOCK=16): median 4 ms");
    expect(cpuA).toContain("- Best verified variant (UNROLL=4, BLOCK=16)");
    expect(cpuA).toContain("- Accepted by the critic: accepted");
    expect(cpuA).toMatch(/\| \d+ \| UNROLL=2, BLOCK=32 \| 1\.84 \|/);
    expect(cpuA).toMatch(/Speedup over the baseline: 2\.15x \(95% interval \d\.\d\dx to \d\.\d\dx, beyond the noise\)/);
    expect(cpuA).toContain("71.0% of peak bandwidth");
    expect(cpuA).toContain("registersPerThread 12");
    expect(cpuA).not.toContain(night.cheater.hash);
    expect(cpuA).toMatch(/\| rejected \| impossible_time \| 1 \|/);
  });

  it("marks the model rewrite that won on a device with its parent", () => {
    const cpuB = markdown.slice(markdown.indexOf("## Device cpu-b"), markdown.indexOf("## Ledger"));
    expect(cpuB).toContain(`- Accepted by the critic: accepted ${night.bestB.hash}`);
    expect(cpuB).toContain(`\`${night.bestB.hash}\` (model rewrite of \`${night.bestB.parentHash}\`)`);
    expect(cpuB).toContain("**model rewrite**");
  });

  it("summarises ledger lessons once each and model calls with their cost", () => {
    expect(markdown).toContain("3 distinct lessons");
    expect(markdown).toMatch(/\| cpu-a \| compile_error \| UNROLL=8 \| 2 \| .* \| yes \|/);
    // u8b32 ran but failed its confirmation, which does not lift UNROLL=8; u4b32 ran cleanly and lifts BLOCK=32.
    expect(markdown).toMatch(/\| cpu-a \| timeout \| BLOCK=32 \| 2 \| .* \| no: UNROLL=4, BLOCK=32 ran \|/);
    expect(markdown).toContain("skips the tail \\| wrong for N % 8 != 0");
    expect(markdown).toContain("2 calls, total cost $0.0163; 1 model-rewritten variants were evaluated.");
    expect(markdown).toMatch(/\| planner \| test-model \| 1 \| 1 \|/);
  });

  it("draws a convergence plot with a line per device and a marker per failure", () => {
    const svg = readFileSync(files.svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<path d="M[^"]*" fill="none" stroke="#1f77b4"/g)).toHaveLength(1);
    expect(svg.match(/<path d="M[^"]*" fill="none" stroke="#d62728"/g)).toHaveLength(1);
    for (const label of ["compile error", "rejected", "infrastructure error", "median time (ms", "evaluation (per device, in order)"]) expect(svg).toContain(label);
    // The confirmation's wrong result spends no budget, so it is not on the exploration axis; but the
    // variant it caught is marked and never drawn as the best.
    expect(svg).not.toContain("wrong result");
    expect(svg).toContain("ok, failed a later check");
    // The line follows the critic's accepted incumbents, so the close call does not become the best.
    expect(svg).toContain("best 1.86 ms");
    expect(svg).not.toContain("best 1.84 ms");
    expect(svg).not.toContain("best 0.9 ms");
  });
});

describe("dispatch files", () => {
  const compileAndRun = (defines: string[]): string => {
    const program = join(dir, "use_dispatch.c");
    writeFileSync(
      program,
      `#include <stdio.h>
#include "vadd_dispatch.h"
int main(void) {
#ifdef UNROLL
  printf("macros UNROLL=%d BLOCK=%d\\n", UNROLL, BLOCK);
#endif
  for (const vadd_dispatch_entry *e = vadd_dispatch_table; e->device; e++)
    printf("%s UNROLL=%ld BLOCK=%ld median=%g\\n", e->device, e->tuned_UNROLL, e->tuned_BLOCK, e->median_ms);
  printf("count=%d\\n", VADD_DISPATCH_COUNT);
  return 0;
}
`,
    );
    const binary = join(dir, "use_dispatch");
    execFileSync("gcc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", join(dir, "out"), ...defines, program, "-o", binary]);
    return execFileSync(binary, { encoding: "utf8" });
  };

  it("compiles with gcc and selects a device's parameters by its macro", () => {
    const output = compileAndRun(["-DNIGHTSHIFT_DEVICE_CPU_A"]);
    expect(output).toContain("macros UNROLL=4 BLOCK=16");
    expect(output).toContain("cpu-a UNROLL=4 BLOCK=16");
    expect(output).toContain("cpu-b UNROLL=4 BLOCK=16");
    expect(output).toContain("count=2");
  });

  it("compiles without a device macro, offering only the run-time table", () => {
    const output = compileAndRun([]);
    expect(output).not.toContain("macros");
    expect(output).toContain("cpu-a UNROLL=4");
  });

  it("holds only verified variants, and ships a rewrite's source beside it", () => {
    const json = JSON.parse(readFileSync(files.jsonPath, "utf8"));
    expect(Object.keys(json.devices)).toEqual(["cpu-a", "cpu-b"]);
    expect(json.devices["cpu-a"].variantHash).toBe(night.bestA.hash);
    expect(json.devices["cpu-b"]).toMatchObject({ origin: "model", sourceFile: "vadd_cpu-b.c", variantHash: night.bestB.hash });
    expect(readFileSync(join(dir, "out", "vadd_cpu-b.c"), "utf8")).toContain("/* vectorised */");
    const header = readFileSync(files.headerPath, "utf8");
    expect(header).not.toContain(night.cheater.hash);
    expect(header).toContain("build vadd_cpu-b.c");
  });
});
