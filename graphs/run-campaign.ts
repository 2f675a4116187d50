// Starting and resuming campaigns: building the runtime context (spec, devices, runners, policies) and
// driving the graph with its checkpointer. A resume rebuilds the runtime context from the
// campaign's recorded configuration and continues from the last checkpoint; the node that was running
// at a kill runs again, and the nodes read the store to skip what it already committed.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { CampaignContext, CampaignDevice, CampaignEvent, CampaignSettings } from "../agents/context.ts";
import { countedEvaluations } from "../agents/history.ts";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { loadPriorFiles } from "../agents/priors.ts";
import { failureCounts } from "../agents/profiler.ts";
import type { ProofPolicy } from "../agents/proof-gate.ts";
import type { CoderPolicy, CriticPolicy, PlannerPolicy } from "../agents/types.ts";
import { fail } from "../core/errors.ts";
import { loadProfiles } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { checkSpecOnDevice } from "../harness/device-fit.ts";
import { openStore, defaultDbPath } from "../results/store.ts";
import type { CampaignConfig, CampaignRecord, Store } from "../results/types.ts";
import { createRunner, type RunnerOptions } from "../runners/factory.ts";
import type { Runner } from "../runners/types.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { loadSpecOrSpace } from "../spaces/space-spec.ts";
import type { KernelSpec, ProblemSize } from "../specs/schema.ts";
import { specAtTuneSize } from "../specs/tune-size.ts";
import { DEFAULT_STRATEGY, getStrategy } from "../strategies/registry.ts";
import type { Constraint } from "../strategies/objectives.ts";
import type { Strategy } from "../strategies/types.ts";
import { campaignOutcome, describeOutcome, type CampaignOutcome } from "./campaign-outcome.ts";
import { DEFAULT_TUNING, type CampaignTuning } from "./campaign-settings.ts";
import { buildCampaignGraph, CampaignInterrupted, campaignStopReason } from "./campaign.ts";
import { lockCampaign, openCheckpoints, requireCampaign } from "./checkpoints.ts";
import { deviceCheckpoints, deviceOutcomes, isDeviceDown, prepareDeviceThreads, runDeviceThreads } from "./device-threads.ts";

export { campaignOutcome, describeOutcome, type CampaignOutcome, type DeviceOutcome } from "./campaign-outcome.ts";
export { checkpointPath } from "./checkpoints.ts";

export const DEFAULT_BUDGET = 30;

/**
 * The campaign's spec (a spec folder or a T1 file), refused before a campaign is created when a device cannot
 * time it: a C kernel on a GPU profile would time the wrong machine. A start and a resume both come here, so
 * a campaign tuned at another size (`tuneSize`) resumes at that size.
 */
function loadCampaignSpec(path: string, profiles: readonly HardwareProfile[], tuneSize?: ProblemSize): KernelSpec {
  const replayed = profiles.filter((p) => p.reach.via === "replay");
  // Replayed times were recorded at one size: a campaign "at" another size would still replay those.
  if (tuneSize !== undefined && replayed.length > 0) fail("USAGE", `--sizes: expected devices that measure, received the replay device ${replayed[0]!.name}, whose times were recorded at one size`);
  const spec = specAtTuneSize(loadSpecOrSpace(path, profiles), tuneSize);
  for (const profile of profiles) checkSpecOnDevice(spec, profile);
  return spec;
}

export { DEFAULT_TUNING, type CampaignTuning } from "./campaign-settings.ts";

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
  /** Bounds on other recorded objectives (registers, shared memory, object size): time is minimised within them. */
  constraints?: Constraint[];
  /** role -> "provider:model" or "offline", as resolvePolicies reports them. */
  models?: Record<string, string>;
  /** The model options (never keys), so a resume rebuilds the same policies. */
  modelOptions?: Record<string, unknown>;
  /** Run untrusted code unsandboxed on devices that cannot sandbox (kept for resume; every result says so). */
  unsandboxed?: boolean;
  /** Prove would-be incumbents equivalent to the reference: "on" (default), "required" (only proved ones are accepted) or "off". */
  proofs?: ProofPolicy;
  /** Tune at this size instead of the spec's problem.tune (`run --sizes`); the spec id then names the size. */
  tuneSize?: ProblemSize;
  /** The id of the first campaign of a `run --sizes` group, recorded on the others so the group can be found. */
  sizeGroup?: string;
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

/** The campaign's recorded configuration, checked in full (spec, devices, priors, knobs) before anything is recorded. */
async function campaignConfig(request: CampaignRequest): Promise<{ config: CampaignConfig; spec: KernelSpec; profiles: HardwareProfile[] }> {
  if (request.devices.length === 0) fail("USAGE", "--device: expected one or more devices, received none");
  const profiles = await loadProfiles(request.devices.join(","));
  const spec = loadCampaignSpec(request.specDir, profiles, request.tuneSize);
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
      ...(request.constraints && request.constraints.length > 0 ? { constraints: request.constraints } : {}),
      ...(request.modelOptions ? { modelOptions: request.modelOptions } : {}),
      ...(request.unsandboxed ? { unsandboxed: true } : {}),
      proofs: request.proofs ?? "on",
      ...(request.tuneSize ? { tuneSize: spec.problem.tune } : {}),
      ...(request.sizeGroup ? { sizeGroup: request.sizeGroup } : {}),
    },
  };
  return { config, spec, profiles };
}

/** Every check a start makes before recording anything, so `run --sizes` refuses a bad size before the first campaign runs. */
export async function checkCampaignRequest(request: CampaignRequest): Promise<void> {
  await campaignConfig(request);
}

/**
 * Records a campaign without running it: a queue (the daemon) creates campaigns when they are submitted and
 * runs each later with resumeCampaign, which starts a campaign that has no checkpoint yet from the beginning.
 */
export async function createCampaign(request: CampaignRequest, options: Pick<CampaignOptions, "dbPath"> = {}): Promise<CampaignRecord> {
  const { config, profiles } = await campaignConfig(request);
  const store = openStore(options.dbPath ?? defaultDbPath());
  try {
    return store.createCampaign(config, profiles);
  } finally {
    store.close();
  }
}

export async function startCampaign(request: CampaignRequest, options: CampaignOptions = {}): Promise<CampaignOutcome> {
  const { config, spec, profiles } = await campaignConfig(request);
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
    const spec = loadCampaignSpec(record.config.specDir, profiles, record.config.options?.tuneSize as ProblemSize | undefined);
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
    constraints: (config.options?.constraints as Constraint[] | undefined) ?? [],
    // Campaigns recorded before proofs existed resume as they began, without them.
    proofs: (config.options?.proofs as ProofPolicy | undefined) ?? "off",
    ...(config.options?.unsandboxed === true ? { unsandboxed: true } : {}),
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
      const runner = await (options.runnerFor ?? createRunner)(profile, { seed: config.seed, unsandboxed: config.options?.unsandboxed === true });
      devices.set(profile.name, { profile, runner, planner: options.plannerFor?.(profile, strategy) ?? new StrategyPlanner(strategy) });
    }
    const checkpoints = await deviceCheckpoints(saver, id, config.devices);
    const earlierMs = Math.max(0, ...[...checkpoints.values()].map((c) => c.activeMs));
    const sessionStart = Date.now();
    const space = spaceFromSpec(spec);
    // The nodes watch one signal: the user's stop request, or a device that failed and stops the others.
    const stop = new AbortController();
    const forwardStop = (): void => stop.abort();
    if (options.signal?.aborted) stop.abort();
    options.signal?.addEventListener("abort", forwardStop, { once: true });
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
      signal: stop.signal,
      emit: (event) => options.onEvent?.(event),
    };
    const graph = buildCampaignGraph(ctx, saver);
    const inputs = await prepareDeviceThreads(graph, saver, id, config.devices);
    store.setCampaignState(id, "running", null);
    ctx.emit({
      type: "started",
      campaignId: id,
      budget: config.budget,
      devices: config.devices.map((device) => {
        const counted = countedEvaluations(store, id, device);
        const progress = checkpoints.get(device)?.progress;
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
      await runDeviceThreads(graph, id, inputs, stop);
    } catch (error) {
      if (!(error instanceof CampaignInterrupted) && !options.signal?.aborted) {
        store.setCampaignState(id, "failed", null);
        throw error;
      }
    } finally {
      options.signal?.removeEventListener("abort", forwardStop);
    }
    const outcomes = await deviceOutcomes(graph, id, config.devices);
    // A campaign stopped by the user, or with any device given up as unreachable, stays resumable: that
    // device still has budget, whatever the others stopped for.
    if (outcomes.some((o) => o.pending)) store.setCampaignState(id, "running", "interrupted");
    else if (outcomes.some((o) => isDeviceDown(o.progress.stopReason))) store.setCampaignState(id, "running", "device_down");
    else store.setCampaignState(id, "finished", campaignStopReason(outcomes.map((o) => o.progress)));
    return await campaignOutcome(store, id, saver);
  } finally {
    await Promise.allSettled([...devices.values()].map((d) => d.runner.close()));
    saver.db.close();
    unlock();
  }
}
