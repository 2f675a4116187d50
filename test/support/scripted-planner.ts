// A planner that proposes a fixed list of rounds, one per time it is asked (the baseline round does not ask),
// so critic tests choose exactly which variants meet the incumbent.

import type { PlanInput, PlannerPolicy, Proposal } from "../../agents/types.ts";
import type { Params } from "../../specs/schema.ts";

export class ScriptedPlanner implements PlannerPolicy {
  readonly name = "scripted";
  readonly asked: PlanInput[] = [];

  constructor(
    private readonly rounds: Params[][],
    private readonly proposedBy: Proposal["proposedBy"] = "strategy",
  ) {}

  async plan(input: PlanInput): Promise<Proposal[]> {
    this.asked.push(input);
    return (this.rounds[this.asked.length - 1] ?? []).map((params) => ({ params, proposedBy: this.proposedBy }));
  }
}
