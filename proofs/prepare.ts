// What every way of running a proof does before the interpretation: refuse sources the proof cannot read
// faithfully, choose the sizes, and preprocess the variant (twice, see below) and the reference. The
// worker-thread path (prove.ts) and the sandboxed process (main.ts) both start here, so they cannot drift.

import type { ProblemSize } from "../specs/schema.ts";
import { buildFlags, defineFlags, PreprocessorUnavailable, preprocessWithCompiler } from "./preprocess.ts";
import { boundedSizes, DEFAULT_BOUND } from "./sizes.ts";
import { directiveProblem } from "./source-checks.ts";
import type { ProofLanguage, ProofRequest } from "./types.ts";

/**
 * Build-dependent predefined macros, overridden with values no real build produces. For CUDA the target
 * architecture too: the device the variant is built for need not be the one preprocessed for.
 */
const PROBE_FLAGS = ["__TIME__", "__DATE__", "__TIMESTAMP__", "__FILE__", "__BASE_FILE__", "__FILE_NAME__"].map((m) => `-D${m}="nightshift-proof-probe"`);
const CUDA_PROBE_FLAGS = ["-D__CUDA_ARCH__=1", "-D__CUDA_ARCH_LIST__=1"];

export type Prepared =
  | { readonly kind: "ready"; readonly language: ProofLanguage; readonly sizes: ProblemSize[]; readonly variantText: string; readonly probeText: string; readonly referenceText: string }
  | { readonly kind: "unproven"; readonly reason: string; readonly transient?: boolean };

/** `referenceText` preprocesses the spec's reference (callers cache it: it is the same for every variant of a spec). */
export async function prepareProof(request: ProofRequest, referenceText: (source: string) => Promise<string>): Promise<Prepared> {
  const { spec, params } = request;
  const language = spec.language;
  const problem = directiveProblem(request.variantSource, language);
  if (problem) return { kind: "unproven", reason: `unsupported construct: ${problem}` };
  const sizes: ProblemSize[] = request.sizes ? [...request.sizes] : boundedSizes(spec, params, request.bound ?? DEFAULT_BOUND);
  if (sizes.length === 0) return { kind: "unproven", reason: "no problem size within the bound is valid for these parameters" };
  const preprocess = request.preprocess ?? preprocessWithCompiler;
  const flags = [...defineFlags(params), ...buildFlags(spec, params)];
  let variantText: string;
  let probeText: string;
  try {
    variantText = await preprocess(request.variantSource, [...flags], language);
    // The build runs at another time, on another file name, maybe for another GPU: a variant whose code
    // depends on __TIME__, __DATE__, __FILE__ or __CUDA_ARCH__ would compile to something other than what is
    // proved. Preprocessing again with those macros overridden shows whether any of them reaches the code.
    probeText = await preprocess(request.variantSource, [...flags, ...PROBE_FLAGS, ...(language === "cuda" ? CUDA_PROBE_FLAGS : [])], language);
  } catch (err) {
    return notPreprocessed("the variant", err);
  }
  let reference: string;
  try {
    reference = await referenceText(spec.referenceSource);
  } catch (err) {
    return notPreprocessed("the reference", err);
  }
  return { kind: "ready", language, sizes, variantText, probeText, referenceText: reference };
}

/** A preprocessor that could not run says nothing about the variant: worth proving again later. */
function notPreprocessed(what: string, err: unknown): Prepared {
  const reason = `${what} could not be preprocessed: ${err instanceof Error ? err.message : String(err)}`;
  return { kind: "unproven", reason, ...(err instanceof PreprocessorUnavailable ? { transient: true } : {}) };
}
