// Runs a real campaign (graphs/run-campaign.ts) on given runners and reads back what the store holds,
// so fault tests can check the evaluation counts the way a user would see them.

import { join } from "node:path";
import type { CampaignEvent } from "../../agents/context.ts";
import { startCampaign, type CampaignOutcome } from "../../graphs/run-campaign.ts";
import type { HardwareProfile } from "../../hardware-profiles/schema.ts";
import { openStore } from "../../results/store.ts";
import type { EvaluationRecord } from "../../results/types.ts";
import type { Runner } from "../../runners/types.ts";
import type { KernelSpec } from "../../specs/schema.ts";
import { tempDir } from "../../testbed/procs.ts";
import { writeProfile } from "../../testbed/remote-device.ts";

export interface CampaignRun {
  outcome: CampaignOutcome;
  records: EvaluationRecord[];
  /** Explore evaluations that count (infra errors never do). */
  counted(device: string): EvaluationRecord[];
  infra(device: string): EvaluationRecord[];
}

export async function runCampaign(options: {
  spec: KernelSpec;
  profiles: HardwareProfile[];
  runnerFor: (profile: HardwareProfile) => Runner;
  budget: number;
  onEvent?: (event: CampaignEvent) => void;
}): Promise<CampaignRun> {
  const dir = tempDir("nightshift-campaign-");
  const files = options.profiles.map((p) => writeProfile(p, dir));
  const dbPath = join(dir, "store.db");
  const outcome = await startCampaign(
    // Faults are injected on the transport between and during batches; the proof step would move (by seconds)
    // when the next batch starts after an acceptance, and it is not what these campaigns test.
    { specDir: options.spec.dir, devices: files, budget: options.budget, seed: 7, proofs: "off", tuning: { retryDelaysMs: [300, 1000, 3000], maxInfraRounds: 2, confirmPairs: 1 } },
    { dbPath, runnerFor: options.runnerFor, ...(options.onEvent ? { onEvent: options.onEvent } : {}) },
  );
  const store = openStore(dbPath);
  const records = store.evaluations(outcome.campaignId);
  store.close();
  return {
    outcome,
    records,
    counted: (device) => records.filter((r) => r.device === device && r.purpose === "explore" && r.status !== "infra_error"),
    infra: (device) => records.filter((r) => r.device === device && r.status === "infra_error"),
  };
}
