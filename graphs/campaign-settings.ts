// The loop's knobs that are not on the command line, with their defaults. Campaigns and the strategy
// benchmark read them from here, so a benchmark run spends confirmations exactly as a campaign does.

import type { CampaignSettings } from "../agents/context.ts";

export const DEFAULT_TUNING = {
  stallAfter: 0,
  rooflineFraction: 0.05,
  confirmPairs: 3,
  retryDelaysMs: [500, 2000, 5000],
  maxInfraRounds: 3,
} satisfies Omit<CampaignSettings, "budget" | "timeBudgetMs" | "batchSize" | "seed">;

export type CampaignTuning = typeof DEFAULT_TUNING;
