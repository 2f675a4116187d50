// The proof step: for a variant and its spec's reference, at bounded problem sizes, decide proved (the same
// function of the inputs over the reals), refuted (with inputs that show the difference) or unproven
// (with the reason). See README.md in this folder for the method and the supported subset.

export { proveVariant, DEFAULT_LIMITS } from "./prove.ts";
export { proveInSandbox, type SandboxOptions } from "./sandboxed.ts";
export { boundedSizes, perDimensionBound, DEFAULT_BOUND, validSize, launchAt } from "./sizes.ts";
export { compilerPreprocessor, preprocessWithCompiler, defineFlags, buildFlags } from "./preprocess.ts";
export { directiveProblem } from "./source-checks.ts";
export type { ProofVerdict, ProofRequest, ProofLimits, Preprocess, ProofLanguage } from "./types.ts";
