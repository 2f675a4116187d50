// The campaign graph's state. It is checkpointed after every super-step, so it holds only references and
// summaries (hashes, counts, incumbents, the round number); every measurement lives in the store. The
// runtime context its nodes share is the agents' (agents/context.ts).

import { Annotation } from "@langchain/langgraph";
import { newDeviceProgress, type DeviceProgress } from "../agents/context.ts";
import type { StopReason } from "../results/types.ts";

export type DeviceUpdates = Record<string, Partial<DeviceProgress>>;

/** Every node writes per-device fields; each update merges into that device's entry only. */
function mergeDevices(current: Record<string, DeviceProgress>, update: DeviceUpdates): Record<string, DeviceProgress> {
  const next = { ...current };
  for (const [device, fields] of Object.entries(update)) next[device] = { ...(current[device] ?? newDeviceProgress(device)), ...fields };
  return next;
}

export const CampaignState = Annotation.Root({
  campaignId: Annotation<string>,
  round: Annotation<number>,
  devices: Annotation<Record<string, DeviceProgress>, DeviceUpdates>({ reducer: mergeDevices, default: () => ({}) }),
  /** Wall time spent running this campaign, summed over sessions (time while it was not running is not counted). */
  activeMs: Annotation<number>,
  stopReason: Annotation<StopReason | null>,
});

export type CampaignStateType = typeof CampaignState.State;
export type CampaignUpdate = typeof CampaignState.Update;

