// The default planner: a search strategy (strategies/) over the space the ledger has not ruled out (or the
// whole space, for a strategy that learns from failures itself).
// Strategies are stateless and seeded, so the same history always yields the same proposals; that is
// what lets a resumed campaign carry on exactly where it stopped.

import type { Strategy } from "../strategies/types.ts";
import { restrictSpace } from "./ledger.ts";
import type { PlanInput, PlannerPolicy, Proposal } from "./types.ts";

export class StrategyPlanner implements PlannerPolicy {
  readonly name: string;
  readonly learnsFailures: boolean;

  constructor(private readonly strategy: Strategy) {
    this.name = `strategy:${strategy.name}`;
    this.learnsFailures = strategy.learnsFailures === true;
  }

  async plan(input: PlanInput): Promise<Proposal[]> {
    const space = this.learnsFailures ? input.space : restrictSpace(input.space, input.ledger);
    const configs = this.strategy.propose({
      space,
      // Configurations the ledger ruled out are outside the space the strategy sees; strategies may
      // assume history lies inside their space (e.g. to decide it is exhausted), so those are left out.
      history: space === input.space ? input.history : input.history.filter((o) => space.isValid(o.config)),
      count: input.count,
      seed: input.seed,
      budget: input.budget,
      ...(input.priors && input.priors.length > 0 ? { priors: input.priors } : {}),
    });
    return configs.map((params) => ({ params, proposedBy: "strategy" as const }));
  }
}
