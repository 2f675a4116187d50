// The agents' policies of a campaign started or resumed from the command line: model policies when a
// model is configured (llm/), the offline ones otherwise. Model calls are recorded in the campaign's own
// store handle, which exists only once the campaign does, hence the late binding through onStart.

import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { fail } from "../core/errors.ts";
import type { CampaignOptions } from "../graphs/run-campaign.ts";
import { resolvePolicies, type ModelOptions, type ResolvedPolicies } from "../llm/config.ts";
import type { CampaignRecord, Store } from "../results/types.ts";
import { getStrategy } from "../strategies/registry.ts";

const MODEL_OPTION_KEYS = [
  "model",
  "plannerModel",
  "coderModel",
  "criticModel",
  "modelBaseUrl",
  "modelOutput",
  "modelPrice",
  "modelBudgetUsd",
  "modelBudgetTokens",
  "modelRetries",
  "modelTimeoutS",
  "coderMaxFailures",
] as const satisfies ReadonlyArray<keyof ModelOptions>;

/** The model options among a command's flags (keys come from the environment only, never from here). */
export function modelOptionsOf(flags: object): ModelOptions {
  const all = flags as Record<string, unknown>;
  return Object.fromEntries(MODEL_OPTION_KEYS.filter((k) => all[k] !== undefined).map((k) => [k, all[k]])) as ModelOptions;
}

export interface CampaignPolicies {
  llm: ResolvedPolicies;
  parts: Pick<CampaignOptions, "plannerFor" | "coder" | "critic" | "onStart">;
}

export function campaignPolicies(options: ModelOptions, strategyName: string): CampaignPolicies {
  let campaignId: string | null = null;
  let store: Store | null = null;
  const llm = resolvePolicies(options, {
    campaignId: () => campaignId ?? fail("INTERNAL", "model call: expected a campaign id, received a call before the campaign was created"),
    sink: {
      append: (call) => {
        if (store === null) fail("INTERNAL", "model call: expected the campaign's store, received a call before the campaign started");
        store.appendModelCall(call);
      },
    },
    recorded: () => (store !== null && campaignId !== null ? { campaignId, store } : null),
    offline: { planner: new StrategyPlanner(getStrategy(strategyName)), coder: new TemplateCoder(), critic: new RuleCritic() },
  });
  return {
    llm,
    parts: {
      plannerFor: () => llm.planner,
      coder: llm.coder,
      critic: llm.critic,
      onStart: (record: CampaignRecord, opened: Store) => {
        campaignId = record.id;
        store = opened;
      },
    },
  };
}
