// Campaigns through the real graph: real gcc builds through the real LocalRunner, a real SQLite store
// and a real SqliteSaver checkpoint file.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import type { CampaignStateType } from "../graphs/campaign-state.ts";
import { deviceThread } from "../graphs/device-threads.ts";
import { checkpointPath, resumeCampaign, startCampaign } from "../graphs/run-campaign.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import { openStore } from "../results/store.ts";

const FAST = join(import.meta.dirname, "fixtures", "fast-kernel");
const MATMUL = join(import.meta.dirname, "..", "examples", "matmul");
const dir = mkdtempSync(join(tmpdir(), "nightshift-campaign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a campaign through the graph", () => {
  const dbPath = join(dir, "fast.db");

  it("measures the baseline first, spends the budget exactly and reports a verified speedup", async () => {
    const outcome = await startCampaign({ specDir: FAST, devices: ["local"], budget: 8, seed: 2 }, { dbPath });
    expect(outcome.state).toBe("finished");
    expect(outcome.stopReason).toBe("budget");
    expect(outcome.evaluations).toBe(8);

    const store = openStore(dbPath, { mustExist: true });
    const explore = store.evaluations(outcome.campaignId, { purpose: "explore" });
    store.close();
    expect(explore[0]!.params).toEqual({ UNROLL: 1, PASSES: 16, FLAVOR: "plain" });
    expect(explore.filter((e) => e.status !== "infra_error")).toHaveLength(8);
    expect(new Set(explore.map((e) => e.variantHash)).size).toBe(explore.length);

    expect(outcome.baseline?.params).toEqual({ UNROLL: 1, PASSES: 16, FLAVOR: "plain" });
    const best = explore.find((e) => e.variantHash === outcome.best!.variantHash)!;
    expect(best.status).toBe("ok");
    expect(outcome.best!.medianMs).toBeLessThan(outcome.baseline!.medianMs);
    expect(outcome.speedup).toBeCloseTo(outcome.baseline!.medianMs / outcome.best!.medianMs, 2);
    expect(outcome.speedup).toBeGreaterThan(2);
  });

  it("checkpoints references and summaries only, never the measurements", async () => {
    const store = openStore(dbPath, { mustExist: true });
    const id = store.listCampaigns()[0]!.id;
    store.close();
    const saver = SqliteSaver.fromConnString(checkpointPath(dbPath));
    // Each device has its own thread of the campaign graph.
    const tuple = await saver.getTuple(deviceThread(id, "local"));
    saver.db.close();
    const state = tuple!.checkpoint.channel_values as CampaignStateType;
    const own = Object.keys(state).filter((k) => !k.startsWith("__"));
    expect(own.sort()).toEqual(["activeMs", "campaignId", "devices", "round", "stopReason"]);
    expect(state.devices.local!.explored).toBe(8);
    expect(state.devices.local!.stopReason).toBe("budget");
    const text = JSON.stringify(state);
    expect(text).not.toContain("samplesMs");
    expect(text.length).toBeLessThan(8_000);
  });

  it("refuses to resume a finished campaign and says how it ended", async () => {
    const store = openStore(dbPath, { mustExist: true });
    const id = store.listCampaigns()[0]!.id;
    store.close();
    const error = await resumeCampaign(id, { dbPath }).catch((e: unknown) => e);
    expect(isNightshiftError(error) && error.code).toBe("CAMPAIGN_FINISHED");
    expect((error as Error).message).toMatch(/8 evaluations, stopped: budget \(every evaluation spent\); local: 8 evaluations, best [\d.]+ ms \([\d.]+x over the baseline\)/);
  });

  it("keeps two devices apart: each has its own runner, budget, history and incumbent", async () => {
    const local = await loadProfile("local");
    const twinFile = join(dir, "local-twin.json");
    writeFileSync(twinFile, JSON.stringify({ ...local, name: "local-twin" }));
    const twinDb = join(dir, "twin.db");
    const outcome = await startCampaign({ specDir: FAST, devices: ["local", twinFile], budget: 3, seed: 4, batchSize: 1 }, { dbPath: twinDb });
    expect(outcome.devices.map((d) => d.device)).toEqual(["local", "local-twin"]);
    expect(outcome.evaluations).toBe(6);
    const store = openStore(twinDb, { mustExist: true });
    for (const device of outcome.devices) {
      const own = store.evaluations(outcome.campaignId, { device: device.device, purpose: "explore" });
      expect(own).toHaveLength(3);
      expect(own[0]!.params).toEqual({ UNROLL: 1, PASSES: 16, FLAVOR: "plain" });
      expect(own.every((e) => e.result.device === device.device)).toBe(true);
      expect(own.map((e) => e.variantHash)).toContain(device.best!.variantHash);
      expect(device.stopReason).toBe("budget");
    }
    store.close();
  });
});

describe("the matmul example", () => {
  it("spends a small budget from the naive triple loop and reports only a verified, confirmed best", async () => {
    const dbPath = join(dir, "matmul.db");
    const outcome = await startCampaign({ specDir: MATMUL, devices: ["local"], budget: 4, seed: 1 }, { dbPath });
    expect(outcome.evaluations).toBe(4);
    expect(outcome.baseline?.params).toEqual({ TILE_I: 0, TILE_J: 0, TILE_K: 0, LOOP_ORDER: "ijk", UNROLL: 1, VECTORIZE: 0 });
    // How much faster depends on the machine (bench/ and the README campaign measure that); the mechanism
    // is that the best is the baseline or a variant the critic confirmed faster than it.
    expect(outcome.speedup).toBeGreaterThanOrEqual(1);
    expect(outcome.best!.medianMs).toBeLessThanOrEqual(outcome.baseline!.medianMs);
    const store = openStore(dbPath, { mustExist: true });
    const best = store.evaluations(outcome.campaignId).find((e) => e.variantHash === outcome.best!.variantHash)!;
    store.close();
    expect(best.result.status).toBe("ok");
    if (best.result.status === "ok") expect(best.result.verification.cases.every((c) => c.ok)).toBe(true);
  });
});
