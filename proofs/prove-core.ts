// The proof itself, run inside the worker: interpret the reference and the variant at every size on the
// same symbolic inputs and compare every output element's exact form. Refuted at any size wins; else the
// first unproven reason; else proved at all sizes.

import type { KernelSpec, Params, ProblemSize, Tolerance } from "../specs/schema.ts";
import { LexError, lex } from "./c/lexer.ts";
import { ParseError, parse } from "./c/parser.ts";
import { findCounterexample, randomInputs } from "./counterexample.ts";
import { Poly, polyEquals, polyToString } from "./exact/poly.ts";
import type { ProgramInfo } from "./interp/context.ts";
import { buildProgram } from "./interp/program.ts";
import { deserializeOutputs, serializeOutputs, type SerializedOutputs } from "./reference-cache.ts";
import { layoutAt, variableName, type Layout } from "./run/layout.ts";
import { runKernel } from "./run/run-kernel.ts";
import { launchAt, sizeKey } from "./sizes.ts";
import type { ProofLanguage, ProofVerdict } from "./types.ts";

export interface CoreInput {
  readonly spec: KernelSpec;
  readonly params: Params;
  readonly variantText: string;
  /** The variant preprocessed with __TIME__, __DATE__, __FILE__ and the like overridden. */
  readonly probeText?: string;
  readonly referenceText: string;
  readonly language: ProofLanguage;
  readonly sizes: readonly ProblemSize[];
  /** Reference outputs already known, by sizeKey. */
  readonly cached: Readonly<Record<string, SerializedOutputs>>;
  readonly stepLimit: number;
  readonly seed: number;
  /** Date.now() after which no further size is started (the worker is killed a little later). */
  readonly deadline: number;
}

type Timeless<V> = V extends unknown ? Omit<V, "ms"> : never;
export type CoreVerdict = Timeless<ProofVerdict>;

export interface CoreOutput {
  readonly verdict: CoreVerdict;
  readonly newReference: Record<string, SerializedOutputs>;
}

/** Defaults of specs/schema.ts for the floating dtypes (the only ones the proof handles). */
const FLOAT_TOLERANCES: Record<string, Tolerance> = { float32: { rtol: 1e-4, atol: 1e-5 }, float64: { rtol: 1e-10, atol: 1e-12 } };

function compile(text: string, cuda: boolean): { program: ProgramInfo } | { reason: string; line?: number; file?: string } {
  try {
    const built = buildProgram(parse(lex(text, { mainFileOnly: cuda }), cuda));
    if (!built.ok) return { reason: built.reason, line: built.line, file: built.file };
    return { program: built.program };
  } catch (err) {
    if (err instanceof ParseError || err instanceof LexError) return { reason: `unsupported construct: ${err.message}`, line: err.line, file: err.file };
    return { reason: `the interpreter failed while reading the source: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function describeSize(size: ProblemSize): string {
  return Object.entries(size)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** The file the preprocessor was given: its first line marker names it. */
let mainFile: string | undefined;

function markedFile(text: string): string | undefined {
  return /^#\s*\d+\s+"((?:[^"\\]|\\.)*)"/m.exec(text.slice(0, 4096))?.[1];
}

function unprovenVerdict(reason: string, size: ProblemSize | undefined, at?: { line?: number; file?: string }): CoreVerdict {
  // Lines of the variant itself carry no file name; a header's lines do.
  const file = at?.file !== undefined && at.file !== mainFile && at.file !== "<input>" ? at.file : undefined;
  return {
    status: "unproven",
    reason,
    ...(at?.line !== undefined && at.line > 0 ? { line: at.line } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(size ? { size } : {}),
  };
}

function refutation(spec: KernelSpec, layout: Layout, size: ProblemSize, output: string, index: number, expected: Poly, received: Poly, seed: number, reason: string, oobNames: Map<number, string>, line?: number): CoreVerdict {
  const dtype = layout.buffers.find((b) => b.name === output)!.dtype;
  const tolerance = spec.tolerance[dtype] ?? FLOAT_TOLERANCES[dtype]!;
  const cx = findCounterexample(layout, expected, received, tolerance, seed);
  const name = (id: number): string => variableName(layout, id, oobNames);
  const expectedForm = polyToString(expected, name);
  const receivedForm = polyToString(received, name);
  if (!(cx.toleranceMultiple > 1)) {
    // Not the same function, but no input found shows it beyond the harness's tolerance (a rounded
    // constant, say): that is not proved, and not a refutation the harness could confirm either.
    return {
      status: "unproven",
      reason: `${reason}, but only by less than the spec's tolerance at every input tried (expected ${expectedForm}, received ${receivedForm})`,
      size,
      ...(line !== undefined ? { line } : {}),
    };
  }
  return {
    status: "refuted",
    size,
    output,
    index,
    expected: cx.expected,
    received: cx.received,
    counterexample: cx.values,
    expectedForm,
    receivedForm,
    reason,
    ...(line !== undefined ? { line } : {}),
  };
}

/** Whether two preprocessings differ in the tokens the proof reads (line markers and spacing aside). */
function buildDependent(text: string, probe: string, cuda: boolean): boolean {
  try {
    const a = lex(text, { mainFileOnly: cuda });
    const b = lex(probe, { mainFileOnly: cuda });
    if (a.length !== b.length) return true;
    for (let k = 0; k < a.length; k++) if (a[k]!.k !== b[k]!.k || a[k]!.v !== b[k]!.v) return true;
    return false;
  } catch {
    return false;
  }
}

export function proveCore(input: CoreInput): CoreOutput {
  const { spec, params } = input;
  const newReference: Record<string, SerializedOutputs> = {};
  const cuda = input.language === "cuda";
  mainFile = markedFile(input.variantText);
  if (input.probeText !== undefined && buildDependent(input.variantText, input.probeText, cuda)) {
    return { verdict: unprovenVerdict("the code depends on __TIME__, __DATE__, __FILE__, __CUDA_ARCH__ or a similar macro, whose value at build time the proof cannot know", undefined), newReference };
  }
  const variant = compile(input.variantText, cuda);
  if (!("program" in variant)) return { verdict: unprovenVerdict(variant.reason, undefined, variant), newReference };
  const reference = compile(input.referenceText, false);
  if (!("program" in reference)) return { verdict: unprovenVerdict(`the reference could not be read: ${reference.reason}`, undefined, reference), newReference };
  let firstUnproven: CoreVerdict | undefined;
  const proved: ProblemSize[] = [];
  for (const size of input.sizes) {
    if (Date.now() > input.deadline) {
      return { verdict: firstUnproven ?? unprovenVerdict(`time limit: proved at ${proved.length} of ${input.sizes.length} sizes before the time ran out`, size), newReference };
    }
    const layout = layoutAt(spec, params, size);
    if (typeof layout === "string") {
      firstUnproven ??= unprovenVerdict(`the size ${describeSize(size)} cannot be run: ${layout}`, size);
      continue;
    }
    const key = sizeKey(size);
    let expected: Map<string, Poly[]>;
    const cached = input.cached[key];
    if (cached) expected = deserializeOutputs(cached);
    else {
      const ref = runKernel({ program: reference.program, entry: spec.reference.function, layout, stepLimit: input.stepLimit, reference: true });
      if (ref.kind === "finding") {
        firstUnproven ??= unprovenVerdict(`the reference could not be interpreted at ${describeSize(size)}: ${ref.finding.reason}`, size, ref.finding.at);
        continue;
      }
      expected = new Map([...ref.outputs].map(([k, v]) => [k, [...v]]));
      newReference[key] = serializeOutputs(ref.outputs);
    }
    let geometry;
    if (cuda) {
      const launch = launchAt(spec, params, size);
      if (typeof launch === "string") {
        firstUnproven ??= unprovenVerdict(`the launch at ${describeSize(size)} is not valid: ${launch}`, size);
        continue;
      }
      geometry = launch;
    }
    const run = runKernel({ program: variant.program, entry: spec.kernel, layout, stepLimit: input.stepLimit, reference: false, ...(geometry ? { geometry } : {}) });
    if (run.kind === "finding") {
      const f = run.finding;
      if (f.kind === "out-of-bounds-write" && f.detail) {
        const d = f.detail;
        const written = d.value instanceof Poly ? polyToString(d.value, (id) => variableName(layout, id)) : String(d.value);
        return {
          verdict: {
            status: "refuted",
            size,
            output: d.buffer,
            index: d.index,
            expected: `no element (${d.buffer} has ${d.length} elements)`,
            received: `a write of ${written}`,
            // Control flow never depends on floating data in a run that got this far, so any inputs do.
            counterexample: randomInputs(layout, input.seed),
            expectedForm: "nothing",
            receivedForm: written,
            reason: `${f.reason} at ${describeSize(size)}`,
            ...(f.at ? { line: f.at.line } : {}),
          },
          newReference,
        };
      }
      const reason = f.kind === "step-limit" ? `step limit: ${f.reason}` : f.reason;
      firstUnproven ??= unprovenVerdict(`${reason} (at ${describeSize(size)})`, size, f.at);
      continue;
    }
    const oobNames = new Map(run.oobReads.map((o) => [o.variable, `past-the-end(${o.buffer}[${o.index}])`]));
    // The first differing element decides, unless its difference is below the tolerance: then a few more
    // are tried for one the harness would see.
    let differs: CoreVerdict | undefined;
    let tried = 0;
    for (const b of layout.buffers) {
      if (b.intent === "in") continue;
      const want = expected.get(b.name)!;
      const got = run.outputs.get(b.name)!;
      for (let i = 0; i < want.length && tried < 8 && differs?.status !== "refuted"; i++) {
        if (polyEquals(want[i]!, got[i]!)) continue;
        tried++;
        const oob = run.oobReads[0];
        const why = oob
          ? `${b.name}[${i}] differs from the reference at ${describeSize(size)}, after an out-of-bounds read of ${oob.buffer}[${oob.index}] at line ${oob.at.line}`
          : `${b.name}[${i}] differs from the reference at ${describeSize(size)}`;
        const verdict = refutation(spec, layout, size, b.name, i, want[i]!, got[i]!, input.seed, why, oobNames, oob?.at.line);
        if (!differs || verdict.status === "refuted") differs = verdict;
      }
    }
    if (differs?.status === "refuted") return { verdict: differs, newReference };
    if (differs) {
      firstUnproven ??= differs;
      continue;
    }
    if (run.oobReads.length > 0) {
      const o = run.oobReads[0]!;
      firstUnproven ??= unprovenVerdict(`out-of-bounds read of ${o.buffer}[${o.index}] (undefined behaviour; the outputs do not depend on it at ${describeSize(size)})`, size, o.at);
      continue;
    }
    if (run.poisonRead !== null) {
      firstUnproven ??= unprovenVerdict(`reads an output element before writing it (the harness poisons outputs), at ${describeSize(size)}`, size, run.poisonRead);
      continue;
    }
    proved.push(size);
  }
  if (firstUnproven) return { verdict: firstUnproven, newReference };
  return { verdict: { status: "proved", sizes: proved }, newReference };
}
