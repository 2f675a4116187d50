// What the daemon's routes share (in the HTTP worker): the store and job store to read, the event hub and its
// streams, the metrics, the data folders and limits, and the control that reaches the side running campaigns.
// The pluggable point of the campaign side is the agents' policies (model or offline), handed in by whoever
// starts the daemon.

import type { CampaignOptions, CampaignParts } from "../graphs/run-campaign.ts";
import type { CampaignReader } from "./campaign-reader.ts";
import type { DaemonControl } from "./control.ts";
import type { EventHub } from "./event-hub.ts";
import type { JobStore } from "./jobs.ts";
import type { DaemonMetrics } from "./metrics.ts";
import type { EventStreams } from "./sse.ts";
import type { UploadLimits } from "./uploads.ts";

/** The policies of one campaign run: which models it uses, its parts, and a flush for the model accounting. */
export interface CampaignPolicies {
  usesModels: boolean;
  /** role -> "provider:model" or "offline", as the campaign records them. */
  models: Record<string, string>;
  parts: CampaignParts & Pick<CampaignOptions, "onStart">;
  flush(): Promise<void>;
}

/** Builds a campaign's policies from its recorded model options; throws MODEL_CONFIG for a bad model. */
export type PoliciesFor = (modelOptions: { model?: string }, strategy: string) => CampaignPolicies;

export const offlinePolicies: PoliciesFor = () => ({ usesModels: false, models: {}, parts: {}, flush: async () => {} });

export interface DaemonContext {
  dbPath: string;
  jobs: JobStore;
  reader: CampaignReader;
  hub: EventHub;
  streams: EventStreams;
  metrics: DaemonMetrics;
  control: DaemonControl;
  uploadsDir: string;
  reportsDir: string;
  uploadLimits: UploadLimits & { bodyBytes: number };
}
