// The default coder: every proposal is an instantiation of the spec's template (the parameters reach
// the code as -D flags), so there is nothing to write. Model coders (llm/) rewrite the parent instead.

import type { CoderInput, CoderOutput, CoderPolicy } from "./types.ts";

export class TemplateCoder implements CoderPolicy {
  readonly name = "template";

  async write(input: CoderInput): Promise<CoderOutput> {
    if (input.proposal.idea !== undefined) {
      return { ok: false, reason: `the template coder cannot apply a code change ("${input.proposal.idea.slice(0, 80)}"); configure a model coder` };
    }
    return { ok: true, source: input.spec.templateSource, summary: "template instantiation", origin: "template" };
  }
}
