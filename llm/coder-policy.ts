// The model coder: rewrites the best verified variant's source to apply one idea. The rewrite must keep
// the parent's parameter macros (so the result stays tunable) and define the kernel; a rewrite that
// drops them is refused here, before it costs a build. Everything else (does it compile, is it right,
// is it honest, is it faster) is decided by the same harness and critic as every other variant.
//
// A failed rewrite is never a parent: the parent is always the best verified variant the graph hands
// in. A rewrite succeeded when it became that parent; until one does, the previous attempt and the
// latest verdict are shown to the model as context for a repair, and after `maxFailures` rewrites in a
// row without success that context is dropped and the coder starts again from the verified parent alone.
// That line of attempts is kept per device (llm/coder-state.ts) and, on a resume, rebuilt from the store.

import { z } from "zod";
import type { CoderInput, CoderOutput, CoderPolicy } from "../agents/types.ts";
import { log } from "../core/log.ts";
import { makeVariant } from "../harness/variant.ts";
import type { KernelSpec } from "../specs/schema.ts";
import type { ModelClient } from "./model-client.ts";
import { coderPrompt, LIMITS } from "./prompts.ts";
import { freshLine, rebuildLine, type DeviceLine } from "./coder-state.ts";
import type { RecordedSource } from "./recorded.ts";
import { RewriteLog } from "./rewrite-log.ts";

export const rewriteSchema = z.object({
  source: z.string().min(1).max(200_000).describe("the complete kernel source file"),
  summary: z.string().min(1).max(4000).describe("what changed and why it should be faster"),
});

export interface CoderMetrics {
  rewrites: number;
  refused: number;
  /** Times the coder dropped its failing line of attempts and started again from the best verified variant. */
  restarts: number;
}

export class LlmCoder implements CoderPolicy {
  readonly name: string;
  private readonly lines = new Map<string, DeviceLine>();
  private readonly counts: CoderMetrics = { rewrites: 0, refused: 0, restarts: 0 };

  constructor(
    private readonly client: ModelClient,
    private readonly offline: CoderPolicy,
    private readonly options: { maxFailures: number; recorded?: RecordedSource },
    private readonly rewrites: RewriteLog = new RewriteLog(),
  ) {
    this.name = `model:${client.spec("coder")?.ref ?? "none"}+${offline.name}`;
  }

  metrics(): CoderMetrics {
    return { ...this.counts };
  }

  async write(input: CoderInput): Promise<CoderOutput> {
    // Parameter-only proposals are template instantiations: nothing for a model to write.
    if (input.proposal.idea === undefined || !this.client.available("coder")) return this.offline.write(input);
    if (input.parentSource.length > LIMITS.parentSourceChars) {
      return { ok: false, reason: `the parent source (${input.parentSource.length} chars) exceeds the ${LIMITS.parentSourceChars}-char prompt limit for rewrites` };
    }
    const line = this.line(input.device);
    notice(line, input.parentHash);
    if (line.sinceSuccess >= this.options.maxFailures) {
      log.info({ device: input.device, failures: line.sinceSuccess, parent: input.parentHash }, "model coder: rewrites keep failing, starting again from the best verified variant");
      this.counts.restarts++;
      line.sinceSuccess = 0;
      line.previousAttempt = null;
    }
    // The verdict only means something next to the attempt it judged.
    const feedback = line.previousAttempt !== null ? input.feedback : null;

    const macros = referencedMacros(input.parentSource, Object.keys(input.spec.parameters));
    const prompt = coderPrompt({ ...input, feedback }, { macros, previousAttempt: line.previousAttempt, ledger: input.ledger ?? [] });
    const reply = await this.client.call({
      role: "coder",
      schema: rewriteSchema,
      name: "write_variant",
      description: "Return the complete rewritten kernel source and a summary of the change.",
      ...prompt,
      check: (value) => checkRewrite(value.source, input.spec, input.parentSource, macros),
      variantHashOf: (value) => hashOf(input, value.source),
    });
    if (!reply.ok) {
      if (reply.reason === "malformed") {
        this.counts.refused++;
        line.sinceSuccess++;
        return { ok: false, reason: `model rewrite refused: ${reply.detail}` };
      }
      return this.offline.write(input);
    }
    this.counts.rewrites++;
    line.sinceSuccess++;
    line.previousAttempt = reply.value.source;
    const hash = hashOf(input, reply.value.source);
    if (hash !== undefined) {
      line.written.add(hash);
      this.rewrites.record(hash, input.proposal.idea);
    }
    return { ok: true, source: reply.value.source, summary: reply.value.summary, origin: "model" };
  }

  /** The device's line of attempts; the first time in this process, as the store left it (a resume). */
  private line(device: string): DeviceLine {
    let line = this.lines.get(device);
    if (line === undefined) {
      const recorded = this.options.recorded?.() ?? null;
      line = recorded === null ? freshLine() : rebuildLine(recorded, device, this.options.maxFailures);
      this.lines.set(device, line);
    }
    return line;
  }
}

/** A new parent that is one of the device's rewrites means it was verified and accepted. */
function notice(line: DeviceLine, parentHash: string | null): void {
  if (parentHash === line.lastParent) return;
  line.lastParent = parentHash;
  if (parentHash !== null && line.written.has(parentHash)) line.sinceSuccess = 0;
  // Any new parent makes the old attempt a rewrite of something else: repair context no longer applies.
  line.previousAttempt = null;
}

/** The hash the graph will give the variant (same function it uses), or undefined if the params are off-space. */
function hashOf(input: CoderInput, source: string): string | undefined {
  try {
    return makeVariant(input.spec, input.proposal.params, { source, origin: "model" }).hash;
  } catch {
    return undefined;
  }
}

/** C/CUDA source without comments and string/char literals, so a macro named only in a comment does not count. */
export function stripCommentsAndStrings(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => (m.startsWith("/") ? " " : '""'));
}

/** The parameter macros a source actually uses (outside comments and strings). */
export function referencedMacros(source: string, parameters: readonly string[]): string[] {
  const code = stripCommentsAndStrings(source);
  return parameters.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
}

/** Why a rewrite is refused before it is built, or null when it may go to the harness. */
export function checkRewrite(source: string, spec: KernelSpec, parentSource: string, macros: readonly string[]): string | null {
  const code = stripCommentsAndStrings(source);
  if (!new RegExp(`\\b${spec.kernel}\\s*\\(`).test(code)) return `the source does not define the kernel function ${spec.kernel}`;
  const used = referencedMacros(source, macros);
  const dropped = macros.filter((m) => !used.includes(m));
  if (dropped.length) return `the rewrite no longer uses the parameter macro(s) ${dropped.join(", ")}; keep them so the variant stays tunable`;
  const parentCode = stripCommentsAndStrings(parentSource);
  for (const name of Object.keys(spec.parameters)) {
    if (new RegExp(`#\\s*undef\\s+${name}\\b`).test(code)) return `the rewrite #undefs the parameter macro ${name}; its value must come from -D${name}=...`;
    // A default under #ifndef (as templates often have) is fine; pinning a value the parent did not is not.
    const defines = new RegExp(`#\\s*define\\s+${name}\\b`);
    if (defines.test(code) && !defines.test(parentCode)) return `the rewrite #defines the parameter macro ${name}; its value must come from -D${name}=...`;
  }
  return null;
}
