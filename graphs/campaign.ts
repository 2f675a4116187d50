// The campaign graph: libraries -> planner -> coder -> profiler -> critic -> (planner | END).
// Each device runs on its own thread of this graph (device-threads.ts), so a fast device never waits at a
// barrier for a slow one; a thread's nodes work on the devices its state holds (one; all of them in threads
// checkpointed before devices had their own). Each device has its own runner and policy, and results of
// devices are never mixed. The runtime context (store, runners, policies) is closed over, so state stays
// small and checkpoints stay cheap.

import { END, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { codeDevice } from "../agents/coder.ts";
import type { CampaignContext, DeviceProgress } from "../agents/context.ts";
import { criticDevice } from "../agents/critic.ts";
import { CampaignInterrupted } from "../agents/interrupted.ts";
import { measureLibraries } from "../agents/libraries.ts";
import { planDevice } from "../agents/planner.ts";
import { profileDevice } from "../agents/profiler.ts";
import type { StopReason } from "../results/types.ts";
import { CampaignState, type CampaignStateType, type CampaignUpdate, type DeviceUpdates } from "./campaign-state.ts";

export { CampaignInterrupted } from "../agents/interrupted.ts";

type DeviceStep = (progress: DeviceProgress) => Promise<Partial<DeviceProgress>>;

async function forActiveDevices(state: CampaignStateType, step: DeviceStep): Promise<DeviceUpdates> {
  const active = Object.values(state.devices).filter((d) => d.stopReason === null);
  // Every device's step is waited for even when one throws (an interrupt, a bug): the node must not
  // end while another device's runner is still working behind the graph's back.
  const settled = await Promise.allSettled(active.map(async (d) => [d.device, await step(d)] as const));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return Object.fromEntries(settled.map((s) => (s as PromiseFulfilledResult<readonly [string, Partial<DeviceProgress>]>).value));
}

/**
 * The campaign's reason is the one most devices stopped for (the first device's on a tie), except that a
 * device given up as unreachable makes it "device_down": that device still has budget, so the campaign
 * must stay resumable however the other devices ended.
 */
export function campaignStopReason(devices: readonly DeviceProgress[]): StopReason | null {
  if (devices.length === 0 || devices.some((d) => d.stopReason === null)) return null;
  if (devices.some((d) => d.stopReason === "device_down" || d.stopReason === "interrupted")) return "device_down";
  const counts = new Map<StopReason, number>();
  for (const d of devices) counts.set(d.stopReason!, (counts.get(d.stopReason!) ?? 0) + 1);
  return [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

function unlessInterrupted(ctx: CampaignContext): void {
  if (ctx.signal?.aborted) throw new CampaignInterrupted();
}

// ---- nodes ----

/** Once, before the first round: the spec's library baselines on every device (the yardstick, not the search). */
export function librariesNode(ctx: CampaignContext) {
  return async (state: CampaignStateType): Promise<CampaignUpdate> => {
    unlessInterrupted(ctx);
    return { devices: await forActiveDevices(state, (d) => measureLibraries(ctx, d)) };
  };
}

export function plannerNode(ctx: CampaignContext) {
  return async (state: CampaignStateType): Promise<CampaignUpdate> => {
    unlessInterrupted(ctx);
    const round = state.round + 1;
    for (const d of Object.values(state.devices)) if (d.stopReason === null) ctx.emit({ type: "round", round, device: d.device });
    const devices = await forActiveDevices(state, (d) => planDevice(ctx, d));
    for (const [device, update] of Object.entries(devices)) if (update.stopReason) ctx.emit({ type: "device_stopped", device, reason: update.stopReason });
    return { round, devices };
  };
}

export function coderNode(ctx: CampaignContext) {
  return async (state: CampaignStateType): Promise<CampaignUpdate> => {
    unlessInterrupted(ctx);
    return { devices: await forActiveDevices(state, (d) => codeDevice(ctx, d)) };
  };
}

export function profilerNode(ctx: CampaignContext) {
  return async (state: CampaignStateType): Promise<CampaignUpdate> => {
    unlessInterrupted(ctx);
    return { devices: await forActiveDevices(state, (d) => profileDevice(ctx, d)) };
  };
}

export function criticNode(ctx: CampaignContext) {
  return async (state: CampaignStateType): Promise<CampaignUpdate> => {
    unlessInterrupted(ctx);
    const updates = await forActiveDevices(state, (d) => criticDevice(ctx, d, state.round));
    const after = Object.values(state.devices).map((d) => ({ ...d, ...(updates[d.device] ?? {}) }));
    return { devices: updates, activeMs: ctx.activeMs(), stopReason: campaignStopReason(after) };
  };
}

// ---- router ----

export function afterCritic(state: CampaignStateType): "planner" | typeof END {
  return Object.values(state.devices).every((d) => d.stopReason !== null) ? END : "planner";
}

// ---- builder ----

/** Without a checkpointer (the strategy benchmark) the same graph runs, but cannot be resumed. */
export function buildCampaignGraph(ctx: CampaignContext, checkpointer?: BaseCheckpointSaver) {
  return new StateGraph(CampaignState)
    .addNode("libraries", librariesNode(ctx))
    .addNode("planner", plannerNode(ctx))
    .addNode("coder", coderNode(ctx))
    .addNode("profiler", profilerNode(ctx))
    .addNode("critic", criticNode(ctx))
    .addEdge(START, "libraries")
    .addEdge("libraries", "planner")
    .addEdge("planner", "coder")
    .addEdge("coder", "profiler")
    .addEdge("profiler", "critic")
    .addConditionalEdges("critic", afterCritic, ["planner", END])
    .compile(checkpointer ? { checkpointer } : {});
}
