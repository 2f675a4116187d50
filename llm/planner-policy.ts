// The model planner: asks a chat model for experiments, then holds every proposal to the same rules as
// the search space. Proposals outside it (unknown parameter, value not allowed, restriction violated),
// repeats of a ledgered failure and repeats of what was measured are refused before they cost a build,
// and counted. Whatever the model leaves short is filled from the offline planner; when no model call
// can be made (no budget, service down) the offline planner answers alone.

import { z } from "zod";
import { blockedByLedger } from "../agents/ledger.ts";
import type { PlanInput, PlannerPolicy, Proposal } from "../agents/types.ts";
import { log } from "../core/log.ts";
import type { LedgerEntry } from "../results/types.ts";
import type { Params, ParamValue } from "../specs/schema.ts";
import type { ModelClient } from "./model-client.ts";
import { plannerPrompt } from "./prompts.ts";
import type { RewriteLog } from "./rewrite-log.ts";

export const experimentSchema = z.object({
  params: z.record(z.string(), z.union([z.number(), z.string()])).describe("parameter name -> value, from the listed values"),
  idea: z.string().min(1).max(4000).nullish().describe("optional: one concrete code change to the best verified variant"),
  rationale: z.string().min(1).max(4000),
  expectedEffect: z.string().max(2000).default(""),
});
export const planSchema = z.object({ experiments: z.array(experimentSchema).min(1).max(64) });
export type PlanReply = z.infer<typeof planSchema>;

export const PROPOSAL_REJECTIONS = ["unknown_parameter", "value_not_allowed", "restriction_violated", "ledgered_failure", "already_measured", "duplicate"] as const;
export type ProposalRejection = (typeof PROPOSAL_REJECTIONS)[number];

export interface PlannerMetrics {
  /** Model calls that produced a plan / plans made without the model (unavailable or failed). */
  modelPlans: number;
  offlinePlans: number;
  /** Experiments the model proposed, and how many of them were kept. */
  proposed: number;
  accepted: number;
  rejected: Record<ProposalRejection, number>;
  /** Proposals added from the offline planner because the model left the batch short. */
  filled: number;
}

export type Checked = { ok: true; proposal: Proposal } | { ok: false; reason: ProposalRejection; detail: string };

export class LlmPlanner implements PlannerPolicy {
  readonly name: string;
  private readonly counts: PlannerMetrics = {
    modelPlans: 0,
    offlinePlans: 0,
    proposed: 0,
    accepted: 0,
    rejected: Object.fromEntries(PROPOSAL_REJECTIONS.map((r) => [r, 0])) as Record<ProposalRejection, number>,
    filled: 0,
  };

  constructor(
    private readonly client: ModelClient,
    private readonly offline: PlannerPolicy,
    private readonly options: { allowIdeas: boolean },
    private readonly rewrites?: RewriteLog,
  ) {
    this.name = `model:${client.spec("planner")?.ref ?? "none"}+${offline.name}`;
  }

  get fallback(): PlannerPolicy {
    return this.offline;
  }

  metrics(): PlannerMetrics {
    return { ...this.counts, rejected: { ...this.counts.rejected } };
  }

  async plan(input: PlanInput): Promise<Proposal[]> {
    if (input.count <= 0) return [];
    if (!this.client.available("planner")) return this.offlinePlan(input);
    input = { ...input, ledger: withIdeas(input.ledger, this.rewrites) };
    const prompt = plannerPrompt(input, this.options.allowIdeas);
    const reply = await this.client.call({
      role: "planner",
      schema: planSchema,
      name: "propose_experiments",
      description: "Propose the next experiments: parameter settings and optional code-change ideas.",
      ...prompt,
    });
    if (!reply.ok) {
      log.info({ reason: reply.reason, detail: reply.detail }, "model planner: no usable plan, the offline planner answers");
      return this.offlinePlan(input);
    }
    this.counts.modelPlans++;
    const kept: Proposal[] = [];
    const seen = new Set<string>();
    for (const experiment of reply.value.experiments) {
      if (kept.length >= input.count) break;
      this.counts.proposed++;
      const checked = checkProposal(experiment, input, this.options.allowIdeas, seen);
      if (!checked.ok) {
        this.counts.rejected[checked.reason]++;
        log.info({ reason: checked.reason, detail: checked.detail }, "model planner: proposal refused");
        input.onRefused?.({ reason: checked.reason, detail: checked.detail });
        continue;
      }
      this.counts.accepted++;
      kept.push(checked.proposal);
    }
    if (kept.length < input.count) {
      const fill = await this.offline.plan(input);
      for (const proposal of fill) {
        if (kept.length >= input.count) break;
        const key = proposalKey(input, proposal.params, proposal.idea);
        if (seen.has(key)) continue;
        seen.add(key);
        kept.push(proposal);
        this.counts.filled++;
      }
    }
    return kept;
  }

  private async offlinePlan(input: PlanInput): Promise<Proposal[]> {
    this.counts.offlinePlans++;
    return this.offline.plan(input);
  }
}

/** Ledger entries of failed rewrites get the idea they applied (the graph records only the variant). */
function withIdeas(ledger: readonly LedgerEntry[], rewrites: RewriteLog | undefined): readonly LedgerEntry[] {
  if (!rewrites) return ledger;
  return ledger.map((e) => {
    const idea = e.idea ?? rewrites.ideaOf(e.variantHash);
    return idea === undefined || e.idea !== undefined ? e : { ...e, idea, pattern: {} };
  });
}

/** Normalised so "Unroll the inner loop by 4." and "unroll the inner loop by 4" are the same idea. */
export function normaliseIdea(idea: string): string {
  return idea.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

function proposalKey(input: PlanInput, params: Params, idea: string | undefined): string {
  return `${input.space.key(params)}|${idea === undefined ? "" : normaliseIdea(idea)}`;
}

/** Applies the search space, the ledger and the history to one model experiment; `seen` collects accepted keys. */
export function checkProposal(experiment: PlanReply["experiments"][number], input: PlanInput, allowIdeas: boolean, seen: Set<string>): Checked {
  const names = input.space.parameters.map((p) => p.name);
  const unknown = Object.keys(experiment.params).filter((k) => !names.includes(k));
  if (unknown.length) return { ok: false, reason: "unknown_parameter", detail: `unknown parameter(s) ${unknown.join(", ")}; known: ${names.join(", ")}` };

  const defaults: Params = input.incumbent?.params ?? input.spec.baseline;
  const params: Params = {};
  for (const p of input.space.parameters) {
    const given = p.name in experiment.params ? experiment.params[p.name]! : defaults[p.name];
    const match = p.values.find((v: ParamValue) => v === given || String(v) === String(given));
    if (match === undefined) return { ok: false, reason: "value_not_allowed", detail: `${p.name}=${String(given)} is not one of {${p.values.join(", ")}}` };
    params[p.name] = match;
  }
  if (!input.space.isValid(params)) return { ok: false, reason: "restriction_violated", detail: `{${fmt(params)}} violates a restriction: ${input.spec.restrictions.join("; ")}` };

  // Models send null for "no idea"; a planner without a model coder cannot use one at all.
  const idea = allowIdeas && experiment.idea ? experiment.idea.trim() : undefined;
  const blocked = ledgerBlock(params, idea, input.ledger, names.length);
  if (blocked) return { ok: false, reason: "ledgered_failure", detail: `repeats a ledgered failure (${blocked.status}: ${blocked.message.slice(0, 120)})` };

  const key = proposalKey(input, params, idea);
  if (idea === undefined && input.history.some((o) => names.every((n) => String(o.config[n]) === String(params[n])))) {
    return { ok: false, reason: "already_measured", detail: `{${fmt(params)}} was measured already` };
  }
  if (seen.has(key)) return { ok: false, reason: "duplicate", detail: `{${fmt(params)}} appears twice in this plan` };
  seen.add(key);
  return {
    ok: true,
    proposal: {
      params,
      ...(idea !== undefined ? { idea } : {}),
      rationale: experiment.rationale,
      ...(experiment.expectedEffect ? { expectedEffect: experiment.expectedEffect } : {}),
      proposedBy: "model",
    },
  };
}

function ledgerBlock(params: Params, idea: string | undefined, ledger: readonly LedgerEntry[], parameterCount: number): LedgerEntry | undefined {
  if (idea !== undefined) {
    const normalised = normaliseIdea(idea);
    const sameIdea = ledger.find((e) => e.idea !== undefined && normaliseIdea(e.idea) === normalised);
    if (sameIdea) return sameIdea;
  }
  // Exact configurations that failed are in the history already; generalised patterns blame a setting.
  return blockedByLedger(params, ledger, parameterCount);
}

const fmt = (p: Params): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(", ");
