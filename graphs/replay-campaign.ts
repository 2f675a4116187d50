// One campaign on recorded data, in process, through the campaign graph a user's campaign runs (the same
// planner, coder, profiler and critic, confirmations and ledger included) over the replay runner. The
// strategy benchmark scores these runs, so what it measures is the loop users run; only what the
// benchmark does not need is left out: checkpoints, the campaign lock and the command line.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newDeviceProgress, type CampaignContext } from "../agents/context.ts";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { loadProfile, REPLAY_PREFIX } from "../hardware-profiles/load.ts";
import type { EvalStatus } from "../harness/types.ts";
import { openStore } from "../results/store.ts";
import type { Store } from "../results/types.ts";
import { ReplayRunner } from "../runners/replay.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import type { ReplayData, SearchSpace } from "../spaces/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { PriorData, Strategy } from "../strategies/types.ts";
import { buildCampaignGraph } from "./campaign.ts";
import { DEFAULT_TUNING } from "./campaign-settings.ts";

export interface ReplayCampaignRequest {
  data: ReplayData;
  /** The campaign's spec (a T1 file's, as `nightshift run <t1> --device replay:<file>` makes it). */
  spec: KernelSpec;
  /** Its search space, when already built (runs of one spec share it; a space is a pure function of the spec). */
  space?: SearchSpace;
  strategy: Strategy;
  seed: number;
  budget: number;
  batch: number;
  /** Measurements draw from the recorded samples, as the replay runner's noisy mode does (where the data has samples). */
  noisy: boolean;
  priors: readonly PriorData[];
}

/** What the campaign decided, in order: enough to compare two runs decision by decision. */
export interface ReplayDecisions {
  /** Counted evaluations: configuration key and verdict. */
  explore: Array<{ key: string; status: EvalStatus }>;
  /** Configurations re-measured by the critic, in order. */
  confirms: string[];
  /** The critic's verdicts on the incumbent, in order. */
  verdicts: string[];
}

export interface ReplayCampaignResult {
  /** The recorded objective (Kernel Tuner's mean time) of each counted evaluation; null when it failed. */
  trace: (number | null)[];
  decisions: ReplayDecisions;
}

export async function runReplayCampaign(request: ReplayCampaignRequest): Promise<ReplayCampaignResult> {
  const { data, spec, seed, budget, batch } = request;
  const base = await loadProfile(`${REPLAY_PREFIX}${data.file}`);
  // Data without recorded samples (KTT's) can only be replayed as recorded.
  const noisy = request.noisy && [...data.entries.values()].some((e) => e.samples !== undefined && e.samples.length > 0);
  const profile = { ...base, reach: { via: "replay" as const, file: data.file, noisy } };
  const dir = mkdtempSync(join(scratchRoot(), "nightshift-replay-"));
  const store = openStore(join(dir, "store.db"));
  try {
    const record = store.createCampaign(
      { specDir: spec.dir, specId: spec.id, specName: spec.name, devices: [profile.name], budget, strategy: request.strategy.name, seed, batchSize: batch },
      [profile],
    );
    const ctx: CampaignContext = {
      campaignId: record.id,
      store,
      spec,
      space: request.space ?? spaceFromSpec(spec),
      devices: new Map([[profile.name, { profile, runner: new ReplayRunner(profile, { data, seed }), planner: new StrategyPlanner(request.strategy) }]]),
      coder: new TemplateCoder(),
      critic: new RuleCritic(),
      settings: { ...DEFAULT_TUNING, budget, timeBudgetMs: null, batchSize: batch, seed },
      priors: request.priors,
      activeMs: () => 0,
      emit: () => {},
    };
    await buildCampaignGraph(ctx).invoke(
      { campaignId: record.id, round: 0, activeMs: 0, stopReason: null, devices: { [profile.name]: newDeviceProgress(profile.name) } },
      { recursionLimit: 1_000_000 },
    );
    return resultOf(store, record.id, data);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function resultOf(store: Store, id: string, data: ReplayData): ReplayCampaignResult {
  const key = (params: Params): string => data.space.key(params);
  const all = store.evaluations(id).filter((e) => e.status !== "infra_error");
  const explore = all.filter((e) => e.purpose === "explore");
  return {
    trace: explore.map((e) => data.entries.get(key(e.params))?.value ?? null),
    decisions: {
      explore: explore.map((e) => ({ key: key(e.params), status: e.status })),
      confirms: all.filter((e) => e.purpose === "confirm").map((e) => key(e.params)),
      verdicts: store.incumbents(id).map((a) => a.verdict),
    },
  };
}

/**
 * Where a run's store lives for its few seconds: in memory where the system offers a RAM file system. The
 * store commits every evaluation durably, which on a disk costs about as much as the run's decisions.
 */
function scratchRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}
