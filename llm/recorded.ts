// What a campaign recorded before this process took it over (a resume). The model layer's own memory
// (the budget spent, each device's line of rewrites) lives in this process only; without reading it back
// a kill and a resume would start the budget from zero and forget which rewrites failed.

import type { Store } from "../results/types.ts";

export interface RecordedCampaign {
  campaignId: string;
  store: Pick<Store, "modelCalls" | "evaluations" | "incumbents" | "getVariant">;
}

/**
 * The campaign's store once it is open, null before (a campaign's store exists only once it has started).
 * Read lazily, before the first model call of this process, so a fresh campaign simply reads nothing.
 */
export type RecordedSource = () => RecordedCampaign | null;
