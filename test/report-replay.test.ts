import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeVariant } from "../harness/variant.ts";
import { kernelTunerCache, writeKernelTunerCache } from "../results/kernel-tuner-export.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import type { Store } from "../results/types.ts";
import { ReplayRunner } from "../runners/replay.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData } from "../spaces/types.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { PNPOLY, readCache, replayProfile, replaySpecFolder } from "./replay-fixtures.ts";
import { incumbent } from "./report-fixtures.ts";

// A replay campaign stored for real: every 53rd configuration of the pnpoly space on the RTX 3090 data,
// plus one that failed when it was recorded, appended as a campaign would.
let dir: string;
let store: Store;
let spec: KernelSpec;
let data: ReplayData;
let campaignId: string;
const raw = readCache(PNPOLY);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-replay-report-"));
  spec = replaySpecFolder(join(dir, "pnpoly"), "cn_pnpoly", raw.tune_params);
  data = loadReplayData(PNPOLY);
  const profile = replayProfile("rtx3090", PNPOLY);
  store = openStore(join(dir, "replay.db"));
  campaignId = store.createCampaign(
    { specDir: spec.dir, specId: spec.id, specName: spec.name, devices: ["rtx3090"], budget: 80, strategy: "stride", seed: 1, batchSize: 4 },
    [profile],
  ).id;
  const configs = data.space.validConfigs().filter((_, i) => i % 53 === 0);
  const batch = [spec.baseline, { between_method: 0, block_size_x: 544, tile_size: 20, use_method: 1 }, ...configs].map((c) => makeVariant(spec, c));
  const runner = new ReplayRunner(profile, { data });
  const results = await runner.run(batch);
  batch.forEach((variant, i) => store.appendEvaluation(campaignId, variant, results[i]!, "explore"));
  // As the critic of a real campaign would: the first verified variant becomes the accepted incumbent.
  const first = results.findIndex((r) => r.status === "ok");
  const r = results[first]!;
  if (r.status !== "ok") throw new Error("expected an ok replayed result");
  store.appendIncumbent(campaignId, incumbent("rtx3090", batch[first]!, r.stats.medianMs, r.stats.ci95Ms), "first verified variant");
  store.setCampaignState(campaignId, "finished", "budget");
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Kernel Tuner cache export", () => {
  it("round-trips through the cache reader: same keys, same times and samples, same failures", () => {
    const exported = kernelTunerCache(store, campaignId, "rtx3090", { parameters: data.parameters, kernelName: "cn_pnpoly", problemSize: 20000000 });
    expect(exported.skipped).toBe(0);
    const path = writeKernelTunerCache(join(dir, "export", "rtx3090.json"), exported);
    const back = loadReplayData(path);
    expect(back.format).toBe("kernel-tuner-cache");
    expect(back.parameters).toEqual(data.parameters);
    const evaluated = store.evaluations(campaignId);
    expect(back.entries.size).toBe(new Set(evaluated.map((e) => e.variantHash)).size);
    for (const [key, entry] of back.entries) {
      const original = data.entries.get(key)!;
      expect(entry.failure).toBe(original.failure);
      if (original.value === null) expect(entry.value).toBeNull();
      else {
        expect(entry.value).toBeCloseTo(original.value, 6);
        expect(entry.samples).toEqual(original.samples);
      }
    }
    expect(back.entries.get("0,544,20,1")!.failure).toBe("RuntimeFailedConfig");
  });

  it("names the campaign's devices when asked for another", () => {
    expect(() => kernelTunerCache(store, campaignId, "a100")).toThrow(/rtx3090/);
  });
});

describe("report of a replay campaign", () => {
  it("says the times were replayed, and keeps replayed variants out of the dispatch files", () => {
    const files = writeReport(store, campaignId, join(dir, "report"));
    const markdown = readFileSync(files.markdownPath, "utf8");
    expect(markdown).toContain("replayed from recorded tuning data");
    expect(markdown).toMatch(/\| runtime_error \| variant \| \d+ \|/);
    const json = JSON.parse(readFileSync(files.jsonPath, "utf8"));
    expect(json.devices).toEqual({});
    expect(json.excluded.rtx3090).toContain("replayed");
    expect(readFileSync(files.headerPath, "utf8")).toContain("CN_PNPOLY_DISPATCH_COUNT 0");
  });
});
