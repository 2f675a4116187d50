// The model critic: after the deterministic checks have decided every verdict of the round, it names
// ONE bottleneck from the measured metrics, which the next plan reads. It returns text only, so it has
// no way to touch a verdict; when no model call can be made the rule-based diagnosis answers.

import { z } from "zod";
import type { CriticPolicy, DiagnoseInput } from "../agents/types.ts";
import type { ModelClient } from "./model-client.ts";
import { criticPrompt, LIMITS } from "./prompts.ts";

export const BOTTLENECKS = [
  "memory_bandwidth",
  "memory_latency",
  "cache_misses",
  "compute_throughput",
  "instruction_latency",
  "occupancy",
  "register_spills",
  "shared_memory",
  "synchronisation",
  "launch_overhead",
  "branch_divergence",
  "correctness_failures",
  "none_near_roofline",
] as const;

export const diagnosisSchema = z.object({
  bottleneck: z.enum(BOTTLENECKS),
  evidence: z.string().min(1).max(2000).describe("the measured numbers that show it"),
  suggestion: z.string().min(1).max(2000).describe("one direction for the next experiments"),
});

export class LlmCritic implements CriticPolicy {
  readonly name: string;

  constructor(
    private readonly client: ModelClient,
    private readonly offline: CriticPolicy,
  ) {
    this.name = `model:${client.spec("critic")?.ref ?? "none"}+${offline.name}`;
  }

  async diagnose(input: DiagnoseInput): Promise<string | null> {
    if (input.round.length === 0 && input.incumbent === null) return null;
    if (!this.client.available("critic")) return this.offline.diagnose(input);
    const reply = await this.client.call({
      role: "critic",
      schema: diagnosisSchema,
      name: "diagnose_bottleneck",
      description: "Name the one bottleneck the measurements show, with evidence and a suggestion.",
      ...criticPrompt(input),
    });
    if (!reply.ok) return this.offline.diagnose(input);
    const { bottleneck, evidence, suggestion } = reply.value;
    const text = `${bottleneck.replace(/_/g, " ")}: ${evidence.trim()} Next: ${suggestion.trim()}`;
    return text.length <= LIMITS.diagnosisChars ? text : `${text.slice(0, LIMITS.diagnosisChars - 3)}...`;
  }
}
