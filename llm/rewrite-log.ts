// Shared by the model coder (which writes rewrites) and the model planner (which must not propose a
// failed code change again).

/**
 * Which code change each rewrite applied, by variant hash. Ledger entries name the failed variant, not
 * the idea; with this the planner recognises a failed idea when it is proposed again.
 */
export class RewriteLog {
  private readonly ideas = new Map<string, string>();
  record(variantHash: string, idea: string): void {
    this.ideas.set(variantHash, idea);
  }
  ideaOf(variantHash: string): string | undefined {
    return this.ideas.get(variantHash);
  }
}
