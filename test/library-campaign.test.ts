// Library baselines in a campaign: measured on every device at the start under the same harness as the
// variants, and shown beside the best in every surface (the outcome's headline, `results`, the report). A
// baseline that cannot be built on a device is reported as such and the campaign goes on.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCampaign } from "../graphs/run-campaign.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { specCopy } from "./support/spec-copy.ts";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const scratch = mkdtempSync(join(tmpdir(), "ns-library-campaign-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** examples/matmul at a small size, with a second baseline whose library does not exist on this machine. */
const spec = specCopy(
  scratch,
  (s) => {
    s.problem = { tune: { N: 64 }, verify: [{ N: 13 }] };
    s.timing = { ...s.timing, warmup: 1, repetitions: 5 };
    s.libraryBaselines.push({ ...s.libraryBaselines[0], name: "missing", description: "a library this machine lacks", libraries: ["nightshift_no_such_library"] });
  },
  { from: join(ROOT, "examples", "matmul") },
);

describe("library baselines in a campaign", () => {
  it("measures each baseline once per device and shows it beside the best, a failed one as not measured", async () => {
    const dbPath = join(scratch, "lib.db");
    const outcome = await startCampaign({ specDir: spec, devices: ["local"], budget: 2, seed: 3, proofs: "off" }, { dbPath });
    expect(outcome.state).toBe("finished");

    const store = openStore(dbPath, { mustExist: true });
    const results = store.libraryResults(outcome.campaignId);
    const files = writeReport(store, outcome.campaignId, join(scratch, "report"));
    store.close();
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["openblas", "ok"],
      ["missing", "compile_error"],
    ]);

    const headline = outcome.devices[0]!.headline;
    const [openblas, missing] = headline.libraries;
    expect(openblas!.name).toBe("openblas");
    expect(openblas!.medianMs).toBeGreaterThan(0);
    expect(openblas!.percentOfLibrary).toBeCloseTo((openblas!.medianMs! / headline.best!.medianMs) * 100, 0);
    expect(missing).toMatchObject({ name: "missing", status: "compile_error", medianMs: null, percentOfLibrary: null });

    const report = readFileSync(files.markdownPath, "utf8");
    expect(report).toContain("### Beside the library");
    expect(report).toMatch(/\| openblas \| [\d.]+ \| [\d.]+ – [\d.]+ \| [\d.]+% \| \d+ \| (sanitized|tested) \|/);
    expect(report).toMatch(/\| missing \| not measured: compile_error \|/);

    const printed = spawnSync(process.execPath, [CLI, "results", outcome.campaignId, "--db", dbPath], { encoding: "utf8" });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/# local: library  openblas [\d.]+ ms \(95% CI [\d.]+\.\.[\d.]+; (sanitized|tested), object \d+ bytes\); the best runs at [\d.]+% of its speed/);
    expect(printed.stdout).toContain("# local: library  missing: not measured on this device (compile_error: compile error:");

    // Resuming measures no baseline twice.
    const again = openStore(dbPath, { mustExist: true });
    expect(again.libraryResults(outcome.campaignId)).toHaveLength(2);
    again.close();
  });
});
