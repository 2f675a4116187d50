// Starting and resuming campaigns: building the runtime context (spec, devices, runners, policies) and
// driving the graph with its checkpointer. A resume rebuilds the runtime context from the
// campaign's recorded configuration and continues from the last checkpoint; the node that was running
// at a kill runs again, and the nodes read the store to skip what it already committed.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fail } from "../core/errors.ts";
import { loadProfiles } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { loadCampaignSpec } from "../specs/space-spec.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { openStore, defaultDbPath } from "../results/store.ts";
import type { CampaignConfig, CampaignRecord, StopReason, Store } from "../results/types.ts";
import { createRunner, type RunnerOptions } from "../runners/factory.ts";
import type { Runner } from "../runners/types.ts";
import { DEFAULT_STRATEGY, getStrategy } from "../strategies/registry.ts";
import { spaceFromSpec } from "../strategies/space.ts";
import type { Strategy } from "../strategies/types.ts";
import { loadPriorFiles } from "../agents/priors.ts";
import type { CoderPolicy, CriticPolicy, PlannerPolicy } from "../agents/types.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { countedEvaluations } from "../agents/history.ts";
import { failureCounts } from "../agents/profiler.ts";
import { buildCampaignGraph, CampaignInterrupted } from "./campaign.ts";
import { campaignOutcome, describeOutcome, type CampaignOutcome } from "./campaign-outcome.ts";
import {
  newDeviceProgress,
  type CampaignContext,
  type CampaignDevice,
  type CampaignEvent,
  type CampaignSettings,
  type CampaignStateType,
} from "./campaign-state.ts";
import { lockCampaign, openCheckpoints, requireCampaign, threadOf } from "./checkpoints.ts";

export { campaignOutcome, describeOutcome, type CampaignOutcome, type DeviceOutcome } from "./campaign-outcome.ts";
export { checkpointPath } from "./checkpoints.ts";

export const DEFAULT_BUDGET = 30;

/** Defaults of the loop's knobs that are not on the command line. */
export const DEFAULT_TUNING = {
  stallAfter: 0,
  closeFraction: 0.03,
  rooflineFraction: 0.05,
  confirmPairs: 3,
  retryDelaysMs: [500, 2000, 5000],
  maxInfraRounds: 3,
} satisfies Omit<CampaignSettings, "budget" | "timeBudgetMs" | "batchSize" | "seed">;

export type CampaignTuning = typeof DEFAULT_TUNING;

export interface CampaignRequest {
  /** Kernel spec folder (or its kernel.json). */
  specDir: string;
  /** "local", shipped profile names, profile files or "replay:<file>"; one runner each. */
  devices: string[];
  /** Evaluations per device; the baseline counts. */
  budget?: number;
  timeBudgetSeconds?: number;
  strategy?: string;
  seed?: number;
  /** Variants per round and device; defaults to the device's parallel build slots. */
  batchSize?: number;
  tuning?: Partial<CampaignTuning>;
  /** Tuning data of the same kernel on other devices (Kernel Tuner caches and the like), for transfer. */
  priorFiles?: string[];
  /** role -> "provider:model" or "offline", as resolvePolicies reports them. */
  models?: Record<string, string>;
  /** The model options (never keys), so a resume rebuilds the same policies. */
  modelOptions?: Record<string, unknown>;
}

/** What a campaign is made of besides its configuration. Every part has an offline default. */
export interface CampaignParts {
  runnerFor?: (profile: HardwareProfile, options: RunnerOptions) => Runner | Promise<Runner>;
  plannerFor?: (profile: HardwareProfile, strategy: Strategy) => PlannerPolicy;
  coder?: CoderPolicy;
  critic?: CriticPolicy;
}

export interface CampaignOptions extends CampaignParts {
  /** Store path; defaults to defaultDbPath(). */
  dbPath?: string;
  onEvent?: (event: CampaignEvent) => void;
  /** Called once the campaign exists in the store (its id is known) and before anything runs. */
  onStart?: (campaign: CampaignRecord, store: Store) => void;
  /** Aborting stops after the current step; the campaign stays resumable. */
  signal?: AbortSignal;
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) fail("USAGE", `${option}: expected a positive integer, received ${JSON.stringify(value)}`);
  return value;
}

function defaultBatch(profiles: readonly HardwareProfile[]): number {
  const slots = profiles.map((p) => ("builds" in p.reach ? p.reach.builds : 4));
  return Math.max(1, Math.min(...slots));
}

/** A profile argument as it must be given again on resume (paths made absolute). */
function durableDeviceArg(arg: string): string {
  if (arg.startsWith("replay:")) return `replay:${resolve(arg.slice("replay:".length))}`;
  return arg.endsWith(".json") && existsSync(arg) ? resolve(arg) : arg;
}

export async function startCampaign(request: CampaignRequest, options: CampaignOptions = {}): Promise<CampaignOutcome> {
  if (request.devices.length === 0) fail("USAGE", "--device: expected one or more devices, received none");
  const profiles = await loadProfiles(request.devices.join(","));
  const spec = loadCampaignSpec(request.specDir, profiles);
  const priorFiles = (request.priorFiles ?? []).map((f) => resolve(f));
  // Read now so a bad file stops the command before anything is recorded.
  loadPriorFiles(priorFiles, spaceFromSpec(spec));
  const strategy = getStrategy(request.strategy ?? DEFAULT_STRATEGY);
  const budget = positiveInteger(request.budget ?? DEFAULT_BUDGET, "--budget");
  const batchSize = positiveInteger(request.batchSize ?? defaultBatch(profiles), "--batch");
  if (request.timeBudgetSeconds !== undefined && !(request.timeBudgetSeconds > 0)) {
    fail("USAGE", `--time-budget: expected a positive number of seconds, received ${JSON.stringify(request.timeBudgetSeconds)}`);
  }
  const tuning: CampaignTuning = { ...DEFAULT_TUNING, ...request.tuning };
  const config: CampaignConfig = {
    specDir: spec.spaceFile ?? spec.dir,
    specId: spec.id,
    specName: spec.name,
    devices: profiles.map((p) => p.name),
    budget,
    ...(request.timeBudgetSeconds !== undefined ? { timeBudgetSeconds: request.timeBudgetSeconds } : {}),
    strategy: strategy.name,
    seed: request.seed ?? 1,
    batchSize,
    ...(request.models ? { models: request.models } : {}),
    options: {
      deviceArgs: request.devices.map(durableDeviceArg),
      tuning,
      ...(priorFiles.length > 0 ? { priorFiles } : {}),
      ...(request.modelOptions ? { modelOptions: request.modelOptions } : {}),
    },
  };
  const store = openStore(options.dbPath ?? defaultDbPath());
  try {
    const record = store.createCampaign(config, profiles);
    options.onStart?.(record, store);
    return await drive(store, record, spec, profiles, options);
  } finally {
    store.close();
  }
}

export async function resumeCampaign(id: string, options: CampaignOptions = {}): Promise<CampaignOutcome> {
  const store = openStore(options.dbPath ?? defaultDbPath(), { mustExist: true });
  try {
    const record = requireCampaign(store, id);
    if (record.state === "finished") {
      const outcome = await campaignOutcome(store, id);
      fail("CAMPAIGN_FINISHED", `campaign ${id}: expected an unfinished campaign, received one that finished (${describeOutcome(outcome)})`);
    }
    // The profiles as they were when the campaign began: a profile file edited since must not change a
    // device half-way through (its peaks set the physics floor). Older records fall back to reloading.
    const recorded = store.campaignProfiles(id);
    const args = (record.config.options?.deviceArgs as string[] | undefined) ?? record.config.devices;
    const profiles = recorded.length === record.config.devices.length ? recorded : await loadProfiles(args.join(","));
    const spec = loadCampaignSpec(record.config.specDir, profiles);
    if (spec.id !== record.config.specId) {
      fail("SPEC_INVALID", `campaign ${id}: expected the spec it began with (${record.config.specId}), received ${spec.id}: ${record.config.specDir} changed since`);
    }
    const names = profiles.map((p) => p.name);
    if (names.join(",") !== record.config.devices.join(",")) {
      fail("PROFILE_INVALID", `campaign ${id}: expected the devices ${record.config.devices.join(", ")}, received ${names.join(", ")} from ${args.join(", ")}`);
    }
    options.onStart?.(record, store);
    return await drive(store, record, spec, profiles, options);
  } finally {
    store.close();
  }
}

function settingsOf(config: CampaignConfig): CampaignSettings {
  const tuning = { ...DEFAULT_TUNING, ...((config.options?.tuning as Partial<CampaignTuning> | undefined) ?? {}) };
  return {
    ...tuning,
    budget: config.budget,
    timeBudgetMs: config.timeBudgetSeconds !== undefined ? config.timeBudgetSeconds * 1000 : null,
    batchSize: config.batchSize,
    seed: config.seed,
  };
}

async function drive(store: Store, record: CampaignRecord, spec: KernelSpec, profiles: HardwareProfile[], options: CampaignOptions): Promise<CampaignOutcome> {
  const { config, id } = record;
  const strategy = getStrategy(config.strategy);
  const unlock = lockCampaign(store.path, id);
  const saver = openCheckpoints(store.path);
  const devices = new Map<string, CampaignDevice>();
  try {
    for (const profile of profiles) {
      const runner = await (options.runnerFor ?? createRunner)(profile, { seed: config.seed });
      devices.set(profile.name, { profile, runner, planner: options.plannerFor?.(profile, strategy) ?? new StrategyPlanner(strategy) });
    }
    const previous = await saver.getTuple(threadOf(id));
    const resumedFrom = previous?.checkpoint.channel_values as Partial<CampaignStateType> | undefined;
    const earlierMs = resumedFrom?.activeMs ?? 0;
    const sessionStart = Date.now();
    const space = spaceFromSpec(spec);
    const ctx: CampaignContext = {
      campaignId: id,
      store,
      spec,
      space,
      devices,
      coder: options.coder ?? new TemplateCoder(),
      critic: options.critic ?? new RuleCritic(),
      settings: settingsOf(config),
      priors: loadPriorFiles((config.options?.priorFiles as string[] | undefined) ?? [], space),
      activeMs: () => earlierMs + (Date.now() - sessionStart),
      ...(options.signal ? { signal: options.signal } : {}),
      emit: (event) => options.onEvent?.(event),
    };
    const graph = buildCampaignGraph(ctx, saver);
    const input = previous
      ? null
      : { campaignId: id, round: 0, activeMs: 0, stopReason: null, devices: Object.fromEntries(config.devices.map((d) => [d, newDeviceProgress(d)])) };
    if (previous) await reopenUnreachableDevices(graph, id);
    store.setCampaignState(id, "running", null);
    ctx.emit({
      type: "started",
      campaignId: id,
      budget: config.budget,
      devices: config.devices.map((device) => {
        const counted = countedEvaluations(store, id, device);
        const progress = resumedFrom?.devices?.[device];
        return {
          device,
          explored: counted.length,
          baselineMs: progress?.baseline?.medianMs ?? null,
          bestMs: progress?.incumbent?.medianMs ?? null,
          failures: failureCounts(counted),
        };
      }),
    });
    try {
      // Super-steps are bounded by the budget, not by LangGraph's default limit of 25.
      await graph.invoke(input, { ...threadOf(id), recursionLimit: 1_000_000 });
    } catch (error) {
      if (!(error instanceof CampaignInterrupted) && !options.signal?.aborted) {
        store.setCampaignState(id, "failed", null);
        throw error;
      }
    }
    const final = await graph.getState(threadOf(id));
    const values = final.values as CampaignStateType;
    // A campaign stopped by the user, or with any device given up as unreachable, stays resumable: that
    // device still has budget, whatever the others stopped for.
    const downDevice = Object.values(values.devices ?? {}).some((d) => isDeviceDown(d.stopReason));
    if (final.next.length > 0) store.setCampaignState(id, "running", "interrupted");
    // The store's schema knows no "device_down" yet: the record says "interrupted" (resumable, as it must
    // be) and the outcome reads the precise reason from the checkpoint.
    else if (downDevice || isDeviceDown(values.stopReason)) store.setCampaignState(id, "running", "interrupted");
    else store.setCampaignState(id, "finished", values.stopReason ?? null);
    return await campaignOutcome(store, id, saver);
  } finally {
    await Promise.allSettled([...devices.values()].map((d) => d.runner.close()));
    saver.db.close();
    unlock();
  }
}

/** A device given up as unreachable; older checkpoints said "interrupted" for it. */
function isDeviceDown(reason: StopReason | null | undefined): boolean {
  return reason === "device_down" || reason === "interrupted";
}

/**
 * Devices given up for infrastructure errors get another chance on resume: their stop is cleared as if
 * the critic had written it, so the graph routes back to the planner.
 */
async function reopenUnreachableDevices(graph: ReturnType<typeof buildCampaignGraph>, id: string): Promise<void> {
  const snapshot = await graph.getState(threadOf(id));
  const devices = Object.values((snapshot.values as CampaignStateType).devices ?? {}).filter((d) => isDeviceDown(d.stopReason));
  if (snapshot.next.length > 0 || devices.length === 0) return;
  await graph.updateState(
    threadOf(id),
    { devices: Object.fromEntries(devices.map((d) => [d.device, { stopReason: null, infraStreak: 0 }])), stopReason: null },
    "critic",
  );
}
