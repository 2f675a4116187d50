// Issue #12, class 10: one campaign, one headline. The CLI's summary, `results --json`, the report and the
// dispatch files show the same baseline, best and speedup, and say which measurements they pool, even when
// the baseline's later confirmation runs and the best's exploration run differ from the critic's figures.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCommandLine } from "../cli/program.ts";
import { printOutcome } from "../cli/run.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { makeVariant } from "../harness/variant.ts";
import { loadSpec } from "../specs/load.ts";
import { around, scriptedRunner } from "./support/scripted-runner.ts";
import { FAST_KERNEL } from "./support/spec-copy.ts";

const PROFILE = join(import.meta.dirname, "fixtures", "test-local-profile.json");
const dir = mkdtempSync(join(tmpdir(), "nightshift-headline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything written to stdout while `action` runs. */
async function stdoutOf(action: () => unknown): Promise<string> {
  const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    await action();
    return write.mock.calls.map((c) => String(c[0])).join("");
  } finally {
    write.mockRestore();
  }
}

describe("the headline of one campaign", () => {
  it("is the same on every surface", async () => {
    const baselineHash = makeVariant(loadSpec(FAST_KERNEL), {}).hash;
    // The baseline explores at 148 ms and is re-measured at 100 ms while confirming the candidate; the
    // candidate explores at 1.45 ms and confirms at 2.21 ms. The critic's figures are 148 and 2.21.
    const script = (variant: { hash: string }, visit: number) => (variant.hash === baselineHash ? around(visit === 1 ? 148 : 100) : around(visit === 1 ? 1.45 : 2.21));
    const dbPath = join(dir, "store.db");
    const outcome = await startCampaign(
      { specDir: FAST_KERNEL, devices: [PROFILE], budget: 2, batchSize: 1, seed: 5, tuning: { confirmPairs: 2 } },
      { dbPath, runnerFor: (profile) => scriptedRunner(profile, script) },
    );
    const expected = { baselineMs: 148, bestMs: 2.21, speedup: Number((148 / 2.21).toFixed(3)) };
    expect(outcome.baseline?.medianMs).toBeCloseTo(expected.baselineMs, 9);
    expect(outcome.best?.medianMs).toBeCloseTo(expected.bestMs, 9);
    expect(outcome.speedup).toBe(expected.speedup);

    const summary = await stdoutOf(() => printOutcome(outcome, false));
    expect(summary).toContain("baseline 148.0000 ms");
    expect(summary).toContain("its exploration run (15 samples)");
    expect(summary).toContain("best     2.2100 ms");
    expect(summary).toContain("the pooled median of the critic's interleaved confirmation runs");
    expect(summary).toContain(`speedup  ${expected.speedup.toFixed(2)}x`);

    const results = JSON.parse(await stdoutOf(() => runCommandLine(["node", "nightshift", "results", outcome.campaignId, "--db", dbPath, "--json"], () => {})));
    const [headline] = results.headline;
    expect(headline.baseline.medianMs).toBeCloseTo(expected.baselineMs, 9);
    expect(headline.best.medianMs).toBeCloseTo(expected.bestMs, 9);
    expect(headline.speedup).toBe(expected.speedup);
    expect(headline.speedupCi95).toEqual(outcome.devices[0]!.speedupCi);

    const out = join(dir, "report");
    await stdoutOf(() => runCommandLine(["node", "nightshift", "report", outcome.campaignId, "--db", dbPath, "--out", out], () => {}));
    const markdown = readFileSync(join(out, "fastscale_report.md"), "utf8");
    expect(markdown).toContain("- Baseline (UNROLL=1, PASSES=16, FLAVOR=plain): median 148 ms");
    expect(markdown).toMatch(/- Best verified variant \([^)]*\), `[0-9a-f]{16}`: median 2\.21 ms \(95% CI [^;]*; the pooled median of the critic's interleaved confirmation runs\)/);
    expect(markdown).toContain(`- Speedup over the baseline: ${expected.speedup.toFixed(2)}x`);
    expect(markdown).not.toMatch(/\| 1\.45 \|/);

    const dispatch = JSON.parse(readFileSync(join(out, "fastscale_dispatch.json"), "utf8"));
    expect(dispatch.devices["test-local"]).toMatchObject({ speedup: expected.speedup, measurement: "the pooled median of the critic's interleaved confirmation runs" });
    expect(dispatch.devices["test-local"].medianMs).toBeCloseTo(expected.bestMs, 9);
    expect(dispatch.devices["test-local"].baselineMs).toBeCloseTo(expected.baselineMs, 9);
  });
});
