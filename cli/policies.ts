// The agents' policies of a campaign started or resumed from the command line: model policies when a
// model is configured (llm/), the offline ones otherwise.

import { TemplateCoder } from "../agents/offline-coder.ts";
import type { CoderPolicy, CriticPolicy } from "../agents/types.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { fail } from "../core/errors.ts";
import type { CampaignOptions } from "../graphs/run-campaign.ts";
import { resolveModelConfig, resolvePolicies, type LlmMetrics, type ModelOptions, type ResolvedPolicies } from "../llm/config.ts";
import { storeSink } from "../llm/accounting.ts";
import { ROLES } from "../llm/model-config.ts";
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

/** What the command needs to know about the models before the campaign exists. */
export interface CampaignModels {
  usesModels: boolean;
  /** role -> "provider:model" or "offline", for CampaignConfig.models. */
  models: Record<string, string>;
  /** Spend and health of the model policies; null until the campaign has started. */
  metrics(): LlmMetrics | null;
  /** Waits for tracing callbacks; a no-op when the campaign never started. */
  flush(): Promise<void>;
}

export interface CampaignPolicies {
  llm: CampaignModels;
  parts: Pick<CampaignOptions, "plannerFor" | "coder" | "critic" | "onStart">;
}

/**
 * The model options are checked here, with the other arguments, so a bad flag stops the command at once.
 * The policies themselves are built only in onStart, after the spec, devices and budget were accepted:
 * building them logs which models (or none) the campaign uses, and that line must not come before an
 * argument error, as if a campaign had begun.
 */
export function campaignPolicies(options: ModelOptions, strategyName: string): CampaignPolicies {
  const config = resolveModelConfig(options);
  const offline = { planner: new StrategyPlanner(getStrategy(strategyName)), coder: new TemplateCoder(), critic: new RuleCritic() };
  let resolved: ResolvedPolicies | null = null;
  const started = (): ResolvedPolicies => resolved ?? fail("INTERNAL", "campaign policies: expected the campaign to have started, received a call before onStart");
  const coder: CoderPolicy = {
    get name() {
      return (resolved ?? offline).coder.name;
    },
    write: (input) => started().coder.write(input),
  };
  const critic: CriticPolicy = {
    get name() {
      return (resolved ?? offline).critic.name;
    },
    diagnose: (input) => started().critic.diagnose(input),
  };
  return {
    llm: {
      usesModels: ROLES.some((r) => config.roles[r] !== null),
      models: Object.fromEntries(ROLES.map((r) => [r, config.roles[r]?.ref ?? "offline"])),
      metrics: () => resolved?.metrics() ?? null,
      flush: () => resolved?.flush() ?? Promise.resolve(),
    },
    parts: {
      plannerFor: () => started().planner,
      coder,
      critic,
      onStart: (record: CampaignRecord, store: Store) => {
        // The campaign's own store handle exists only from here on: model calls go to it, and a resumed
        // campaign's earlier calls and rewrites are read back from it (the budget is the campaign's).
        const campaign = { campaignId: record.id, store };
        resolved = resolvePolicies(options, { campaignId: record.id, sink: storeSink(store), recorded: () => campaign, offline });
      },
    },
  };
}
