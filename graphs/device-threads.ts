// Every device of a campaign runs on its own thread of the campaign graph (thread "<campaign>/<device>"), all
// of them side by side, so a device never waits for another: a replay device or this machine finishes its
// budget in its own time while a Slurm queue takes minutes per round. Campaigns checkpointed before this
// kept every device on one thread ("<campaign>"); their devices continue from it on their own threads.

import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { newDeviceProgress, type DeviceProgress } from "../agents/context.ts";
import { CampaignInterrupted } from "../agents/interrupted.ts";
import type { StopReason } from "../results/types.ts";
import type { buildCampaignGraph } from "./campaign.ts";
import type { CampaignStateType, CampaignUpdate } from "./campaign-state.ts";
import { threadOf } from "./checkpoints.ts";

type CampaignGraph = ReturnType<typeof buildCampaignGraph>;

/** LangGraph's limit on super-steps; a campaign's are bounded by its budget instead. */
const RECURSION_LIMIT = 1_000_000;

export const deviceThread = (id: string, device: string) => threadOf(`${id}/${device}`);

export interface DeviceCheckpoint {
  progress: DeviceProgress;
  round: number;
  activeMs: number;
}

/** What the checkpoints say about each device: its own thread, else the campaign's single thread of before. */
export async function deviceCheckpoints(saver: BaseCheckpointSaver, id: string, devices: readonly string[]): Promise<Map<string, DeviceCheckpoint>> {
  const legacy = (await saver.getTuple(threadOf(id)))?.checkpoint.channel_values as Partial<CampaignStateType> | undefined;
  const out = new Map<string, DeviceCheckpoint>();
  for (const device of devices) {
    const own = (await saver.getTuple(deviceThread(id, device)))?.checkpoint.channel_values as Partial<CampaignStateType> | undefined;
    const state = own?.devices?.[device] ? own : legacy?.devices?.[device] ? legacy : undefined;
    if (state) out.set(device, { progress: state.devices![device]!, round: state.round ?? 0, activeMs: state.activeMs ?? 0 });
  }
  return out;
}

/** A device given up as unreachable; older checkpoints said "interrupted" for it. */
export function isDeviceDown(reason: StopReason | null | undefined): boolean {
  return reason === "device_down" || reason === "interrupted";
}

/** The node whose completion leads the graph to `next` (what a thread seeded from the old single thread continues with). */
const BEFORE: Record<string, string> = { planner: "critic", coder: "planner", profiler: "coder", critic: "profiler" };

/**
 * Each device's input for this session: a fresh start, or null to continue its thread. A device given up as
 * unreachable gets another chance (its stop cleared as if the critic had written it, so it plans again); a
 * device of a campaign checkpointed on one thread gets its own thread, continuing where that one stood.
 */
export async function prepareDeviceThreads(graph: CampaignGraph, saver: BaseCheckpointSaver, id: string, devices: readonly string[]): Promise<Map<string, CampaignUpdate | null>> {
  const legacy = await saver.getTuple(threadOf(id));
  const legacyNext = legacy ? (await graph.getState(threadOf(id))).next : [];
  const inputs = new Map<string, CampaignUpdate | null>();
  for (const device of devices) {
    const config = deviceThread(id, device);
    const own = await saver.getTuple(config);
    const old = (legacy?.checkpoint.channel_values as Partial<CampaignStateType> | undefined)?.devices?.[device];
    if (!own && !old) {
      inputs.set(device, { campaignId: id, round: 0, activeMs: 0, stopReason: null, devices: { [device]: newDeviceProgress(device) } });
      continue;
    }
    if (!own) {
      const values = legacy!.checkpoint.channel_values as CampaignStateType;
      await graph.updateState(config, { campaignId: id, round: values.round, activeMs: values.activeMs, stopReason: old!.stopReason, devices: { [device]: old! } }, BEFORE[legacyNext[0] ?? "planner"]);
    }
    const snapshot = await graph.getState(config);
    const progress = (snapshot.values as CampaignStateType).devices[device]!;
    if (snapshot.next.length === 0 && isDeviceDown(progress.stopReason)) {
      await graph.updateState(config, { devices: { [device]: { stopReason: null, infraStreak: 0 } }, stopReason: null }, "critic");
    }
    inputs.set(device, null);
  }
  return inputs;
}

/**
 * Runs every device's thread until it stops, side by side. A device that fails (a bug, bad configuration)
 * stops the others after their current step, through `stopOthers`, which the campaign's nodes watch; its
 * error is thrown once every device has stopped, so no runner is left working behind the caller's back.
 */
export async function runDeviceThreads(graph: CampaignGraph, id: string, inputs: ReadonlyMap<string, CampaignUpdate | null>, stopOthers: AbortController): Promise<void> {
  const settled = await Promise.allSettled(
    [...inputs].map(async ([device, input]) => {
      try {
        await graph.invoke(input, { ...deviceThread(id, device), recursionLimit: RECURSION_LIMIT });
      } catch (error) {
        if (!(error instanceof CampaignInterrupted)) stopOthers.abort();
        throw error;
      }
    }),
  );
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected").map((s) => s.reason as unknown);
  const cause = failures.find((e) => !(e instanceof CampaignInterrupted)) ?? failures[0];
  if (cause !== undefined) throw cause;
}

/** Where every device stands after a session: its progress, and whether its thread has steps left. */
export async function deviceOutcomes(graph: CampaignGraph, id: string, devices: readonly string[]): Promise<Array<{ progress: DeviceProgress; pending: boolean }>> {
  return Promise.all(
    devices.map(async (device) => {
      const snapshot = await graph.getState(deviceThread(id, device));
      return { progress: (snapshot.values as CampaignStateType).devices[device]!, pending: snapshot.next.length > 0 };
    }),
  );
}
