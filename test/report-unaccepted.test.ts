// A device whose only accepted variant a later confirmation found wrong: the report must not promote the
// fastest remaining measurement to "best", and the dispatch files must leave the device out.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalResult } from "../harness/types.ts";
import { writeReport, type ReportFiles } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import type { Store } from "../results/types.ts";
import { around, incumbent } from "./report-fixtures.ts";
import { configFor, cpuProfile, okResult, variantOf, writeSpecFolder } from "./store-fixtures.ts";

let dir: string;
let store: Store;
let files: ReportFiles;
let fastHash: string;
let withdrawnHash: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-unaccepted-"));
  const spec = writeSpecFolder(join(dir, "vadd"));
  store = openStore(join(dir, "night.db"));
  const id = store.createCampaign(configFor(spec, ["cpu-a"]), [cpuProfile("cpu-a")]).id;
  const base = variantOf(spec, {});
  const fast = variantOf(spec, { UNROLL: 4 });
  store.appendEvaluation(id, base, okResult(base, "cpu-a", around(4.0)), "explore");
  store.appendIncumbent(id, incumbent("cpu-a", base, 4.0, [3.97, 4.03]), "first verified variant (the baseline)");
  store.appendEvaluation(id, fast, okResult(fast, "cpu-a", around(1.9)), "explore");
  // The baseline's re-run in a confirmation is wrong (a flaky reference machine, say): its acceptance no longer stands.
  const wrong = { ...okResult(base, "cpu-a", around(4.0)), status: "wrong_result", output: "c", size: { N: 1000 }, inputSeed: 3, distribution: "normal", maxAbsError: 1, maxRelError: 1, firstBadIndex: 0, expected: 1, received: 0 };
  store.appendEvaluation(id, base, wrong as EvalResult, "confirm");
  store.setCampaignState(id, "finished", "budget");
  fastHash = fast.hash;
  withdrawnHash = base.hash;
  files = writeReport(store, id, join(dir, "out"));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a device with no standing acceptance", () => {
  it("says no variant was accepted, yet still lists what was measured", () => {
    const markdown = readFileSync(files.markdownPath, "utf8");
    expect(markdown).toContain("- Best verified variant: none, no variant was accepted by the critic");
    expect(markdown).not.toContain("Speedup over the baseline");
    expect(markdown).toMatch(new RegExp(`\\| 1 \\| .* \\| 1\\.9 \\| .* \\| template \\| (tested|sanitized) \\| \`${fastHash}\` \\|`));
    expect(markdown).not.toContain("(best)");
  });

  it("draws no best line: the withdrawn acceptance never counts and the faster variant was never accepted", () => {
    const svg = readFileSync(files.svgPath, "utf8");
    expect(svg).not.toMatch(/best [\d.]+ ms/);
  });

  it("keeps the device out of the dispatch files and says why", () => {
    const json = JSON.parse(readFileSync(files.jsonPath, "utf8"));
    expect(json.devices).toEqual({});
    expect(json.excluded).toEqual({ "cpu-a": "no variant was accepted by the critic" });
    const header = readFileSync(files.headerPath, "utf8");
    expect(header).toContain("VADD_DISPATCH_COUNT 0");
    expect(header).toContain("cpu-a: left out (no variant was accepted by the critic)");
    expect(header).not.toContain(fastHash);
    expect(header).not.toContain(withdrawnHash);
  });
});
