// The default planner: a search strategy (strategies/) over the space the ledger has not ruled out.
// Strategies are stateless and seeded, so the same history always yields the same proposals; that is
// what lets a resumed campaign carry on exactly where it stopped.

import type { Strategy } from "../strategies/types.ts";
import { restrictSpace } from "./ledger.ts";
import type { PlanInput, PlannerPolicy, Proposal } from "./types.ts";

export class StrategyPlanner implements PlannerPolicy {
  readonly name: string;

  constructor(private readonly strategy: Strategy) {
    this.name = `strategy:${strategy.name}`;
  }

  async plan(input: PlanInput): Promise<Proposal[]> {
    const configs = this.strategy.propose({
      space: restrictSpace(input.space, input.ledger),
      history: input.history,
      count: input.count,
      seed: input.seed,
      budget: input.budget,
    });
    return configs.map((params) => ({ params, proposedBy: "strategy" as const }));
  }
}
