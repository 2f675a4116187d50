// Which compiler flags a spec may pass to gcc or nvcc. A spec is data a user may have downloaded, and
// some flags load code into the compiler (-fplugin=), run another program around it (-wrapper), swap the
// toolchain (-B, -specs=, -ccbin) or write files outside the build folder (-fdump-*, -fprofile-*, -o).
// Tuning needs optimisation, target and language options only, so those are allowed and the rest refused.

/** Option values: plain tokens only (no paths, no shell metacharacters). */
const VALUE = "[A-Za-z0-9_.+,=-]*";

const ALLOWED: readonly RegExp[] = [
  /^-O[0-3sgz]?$/,
  /^-Ofast$/,
  new RegExp(`^-m[a-z0-9][a-z0-9_-]*(=${VALUE})?$`),
  new RegExp(`^-f[a-z0-9][a-z0-9_-]*(=${VALUE})?$`),
  new RegExp(`^-std=${VALUE}$`),
  new RegExp(`^-[DU][A-Za-z_][A-Za-z0-9_]*(=${VALUE})?$`),
  // Warnings; -Wl, -Wa, and -Wp, pass options on to other tools and are refused below.
  new RegExp(`^-W[a-z0-9][a-z0-9_-]*(=${VALUE})?$`),
  /^-w$/,
  /^-g[0-3]?$/,
  /^-pthread$/,
  // nvcc's code-generation options.
  /^--?use_fast_math$/,
  /^--?(lineinfo|generate-line-info)$/,
  /^--?(restrict|extra-device-vectorization|expt-relaxed-constexpr|expt-extended-lambda)$/,
  /^--?maxrregcount=\d+$/,
  new RegExp(`^--?(arch|gpu-architecture|gencode|generate-code|code|gpu-code)=${VALUE}$`),
  /^--?(ftz|prec-div|prec-sqrt|fmad)=(true|false)$/,
  new RegExp(`^--?default-stream=${VALUE}$`),
];

/** -f options that write files, read profiles, load code or start other programs. */
const REFUSED_F = /^-f(no-)?(plugin|dump|profile|auto-profile|branch-probabilities|test-coverage|coverage|opt-info|save-optimization-record|lto|use-ld|ld-path|offload|callgraph-info|debug-prefix-map|file-prefix-map|macro-prefix-map|profile-prefix-map|canon-prefix-map|self-test|create-profile|compare-debug|exec-charset|input-charset|wide-exec-charset|module|deps|diagnostics-format|diagnostics-add-output|diagnostics-set-output|linker-output|stack-usage|record-gcc-switches|sanitize|instrument)/;

/** Why the well-known dangerous flags are refused, named in the message. */
const REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^-fplugin/, "it loads code into the compiler"],
  [/^-wrapper|^--?dryrun/, "it runs another program around the compiler"],
  [/^-specs|^--?specs/, "it replaces the toolchain's configuration"],
  [/^-B|^-ccbin|^--compiler-bindir|^--sysroot|^-isysroot/, "it changes where the toolchain comes from"],
  [/^-W[lap],|^-X|^--(linker|compiler|ptxas)-options|^--options-file|^-optf/, "it passes options on to another tool"],
  [/^-(o|dumpdir|dumpbase|save-temps|odir|-keep|-output-directory)|^-f(dump|profile|opt-info|save-optimization-record|test-coverage|stack-usage|callgraph-info)/, "it writes files outside the build"],
  [/^-(I|L|l|i|include|imacros)|^--(include-path|library|pre-include)/, "it reads files from outside the spec"],
  [/^-flto|^-foffload|^-fuse-ld/, "it changes the object format or the programs the build runs"],
];

/** Null when the flag may reach the compiler, otherwise why it may not. */
export function refusedFlag(flag: string): string | null {
  if (ALLOWED.some((pattern) => pattern.test(flag)) && !REFUSED_F.test(flag) && !/^-W[lap],/.test(flag)) return null;
  return REASONS.find(([pattern]) => pattern.test(flag))?.[1] ?? "tuning needs only optimisation, target, language, define and warning options";
}

/** What the allowed flags are, for messages. */
export const ALLOWED_FLAGS = "-O*, -m*, -f* (code generation), -std=, -D/-U, -W* warnings, -g or nvcc's code-generation options";
