// The entry point of the LLM layer: from the model options to the three policies a campaign uses.
// With no model configured the offline policies are returned unchanged (one log line says so); with
// models, each role gets its LLM policy wrapped around the offline one, sharing one budget, one
// circuit breaker and one record of every call.

import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { CoderPolicy, CriticPolicy, PlannerPolicy } from "../agents/types.ts";
import { log } from "../core/log.ts";
import { Accountant, type ModelCallSink, type Spend } from "./accounting.ts";
import type { ModelFactory } from "./chat-model.ts";
import { CircuitBreaker, type CircuitOptions } from "./circuit.ts";
import { LlmCoder, type CoderMetrics } from "./coder-policy.ts";
import type { RecordedSource } from "./recorded.ts";
import { RewriteLog } from "./rewrite-log.ts";
import { LlmCritic } from "./critic-policy.ts";
import { ModelClient } from "./model-client.ts";
import { describeModelConfig, resolveModelConfig, ROLES, type LlmConfig } from "./model-config.ts";
import type { ModelOptions } from "./options.ts";
import { LlmPlanner, type PlannerMetrics } from "./planner-policy.ts";

export { addModelOptions, type ModelOptions } from "./options.ts";
export { resolveModelConfig, describeModelConfig, parseModelRef, type LlmConfig, type ModelSpec } from "./model-config.ts";

export interface OfflinePolicies {
  planner: PlannerPolicy;
  coder: CoderPolicy;
  critic: CriticPolicy;
}

export interface PolicyDeps {
  /** The campaign's id, or a function giving it once the store has created the campaign. */
  campaignId: string | (() => string);
  /** Where model call records go: storeSink(store) in a campaign. */
  sink: ModelCallSink;
  /**
   * The campaign's store once it is open. On a resume the budget counts the calls recorded before, and
   * the coder picks up each device's line of rewrites where it stopped; without it both start afresh.
   */
  recorded?: RecordedSource;
  offline: OfflinePolicies;
  env?: Readonly<Record<string, string | undefined>>;
  circuit?: Partial<CircuitOptions>;
  /** Replaces initChatModel (for a model LangChain reaches some other way); tests use the real one. */
  modelFactory?: ModelFactory;
}

export interface LlmMetrics {
  planner: PlannerMetrics | null;
  coder: CoderMetrics | null;
  spend: Spend;
  budgetExhausted: boolean;
  serviceDown: boolean;
}

export interface ResolvedPolicies {
  planner: PlannerPolicy;
  coder: CoderPolicy;
  critic: CriticPolicy;
  /** One line for the log and the report (models per role, budget); never a key. */
  summary: string;
  /** role -> "provider:model" or "offline", for CampaignConfig.models. */
  models: Record<string, string>;
  usesModels: boolean;
  metrics(): LlmMetrics;
  /** Waits for tracing callbacks (LangSmith) to be sent; call before the process exits. */
  flush(): Promise<void>;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { threshold: 2, cooldownMs: 10 * 60_000 };

export function resolvePolicies(options: ModelOptions, deps: PolicyDeps): ResolvedPolicies {
  const config = resolveModelConfig(options, deps.env ?? process.env);
  const models = Object.fromEntries(ROLES.map((r) => [r, config.roles[r]?.ref ?? "offline"]));
  const usesModels = ROLES.some((r) => config.roles[r] !== null);
  if (!usesModels) {
    const summary = `no chat model configured: offline policies (planner ${deps.offline.planner.name}, coder ${deps.offline.coder.name}, critic ${deps.offline.critic.name})`;
    log.info(summary);
    return {
      ...deps.offline,
      summary,
      models,
      usesModels,
      metrics: () => ({ planner: null, coder: null, spend: { calls: 0, failedCalls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 }, budgetExhausted: false, serviceDown: false }),
      flush: async () => {},
    };
  }

  const recorded = deps.recorded;
  const earlier = recorded === undefined ? undefined : () => {
    const campaign = recorded();
    return campaign === null ? null : campaign.store.modelCalls(campaign.campaignId);
  };
  const accountant = new Accountant(deps.campaignId, deps.sink, config.budget, earlier);
  const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT, ...deps.circuit });
  const client = new ModelClient(config, accountant, breaker, deps.modelFactory);
  const rewrites = new RewriteLog();
  const planner = config.roles.planner ? new LlmPlanner(client, deps.offline.planner, { allowIdeas: config.roles.coder !== null }, rewrites) : null;
  const coder = config.roles.coder ? new LlmCoder(client, deps.offline.coder, { maxFailures: config.coderMaxFailures, ...(recorded ? { recorded } : {}) }, rewrites) : null;
  const critic = config.roles.critic ? new LlmCritic(client, deps.offline.critic) : null;
  const summary = `${describeModelConfig(config)}${tracingNote(deps.env ?? process.env)}${unpricedNote(config)}`;
  log.info(summary);
  return {
    planner: planner ?? deps.offline.planner,
    coder: coder ?? deps.offline.coder,
    critic: critic ?? deps.offline.critic,
    summary,
    models,
    usesModels,
    metrics: () => ({
      planner: planner?.metrics() ?? null,
      coder: coder?.metrics() ?? null,
      spend: accountant.totals(),
      budgetExhausted: accountant.exhausted,
      serviceDown: breaker.open,
    }),
    flush: () => awaitAllCallbacks(),
  };
}

function tracingNote(env: Readonly<Record<string, string | undefined>>): string {
  const on = (env.LANGSMITH_TRACING ?? env.LANGCHAIN_TRACING_V2) === "true";
  return on ? `; LangSmith tracing to project ${env.LANGSMITH_PROJECT ?? env.LANGCHAIN_PROJECT ?? "default"}` : "";
}

function unpricedNote(config: LlmConfig): string {
  const unpriced = [...new Set(ROLES.map((r) => config.roles[r]).filter((s) => s !== null && s.price === null).map((s) => s!.ref))];
  return unpriced.length ? `; no price known for ${unpriced.join(", ")} (cost counted as 0; set --model-price)` : "";
}
