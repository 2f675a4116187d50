// The symbol policy for a variant's object file, read from `nm -P`. A variant may define exactly one
// global symbol, its kernel, and may call only symbols the compiler itself emits, the math library,
// memory primitives, and whatever the spec allows. This stops a variant from replacing the worker's
// main(), from calling a vendor library instead of computing, and from running code before main: an
// indirect function's resolver runs while the program is loaded, before the worker locks itself down
// (sections.ts refuses constructors for the same reason). It is a first filter only: what the kernel does
// at run time (system calls in inline assembly, symbols looked up by walking memory) is the sandbox's
// business (runtime/lockdown.c), not this check's.

export interface NmSymbol {
  name: string;
  /** nm's one-letter type; upper case is global, U/w/v are references to other objects. */
  type: string;
}

/** Symbols any variant may call: emitted by gcc for ordinary C (memory primitives, libgcc helpers) or from libm. */
export const BUILTIN_ALLOWED_SYMBOLS: readonly string[] = [
  // gcc emits these for struct copies, zero-initialisation and loop idioms.
  "memcpy", "memmove", "memset", "memcmp",
  // hardening and position-independent code
  "__stack_chk_fail", "_GLOBAL_OFFSET_TABLE_",
  // __builtin_cpu_supports
  "__cpu_model", "__cpu_indicator_init", "__cpu_features2",
  // libm, single and double precision
  ...["sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "fabs", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "fma", "fmin",
    "fmax", "fmod", "floor", "ceil", "round", "lround", "trunc", "rint", "lrint", "nearbyint", "hypot", "copysign",
    "ldexp", "frexp", "scalbn", "sincos", "nextafter", "remainder"].flatMap((f) => [f, `${f}f`]),
];

/** libgcc arithmetic helpers (__mulsc3, __divdc3, __udivti3, __popcountdi2, __extendhfsf2, ...). */
const LIBGCC_HELPER = /^__(mul|div|udiv|mod|umod|add|sub|neg|pow|extend|trunc|fix|fixuns|float|floatun|popcount|clz|ctz|ffs|parity|bswap|ashl|ashr|lshr|cmp|ucmp)[a-z0-9]*$/;
/** OpenMP runtime entry points, allowed only when the spec builds with -fopenmp. */
const OPENMP_RUNTIME = /^(GOMP_[A-Za-z0-9_]+|omp_(get|set|in)_[a-z_]+)$/;

const UNDEFINED_TYPES = new Set(["U", "w", "v"]);
/** Lower-case types that are still global: GNU indirect functions and unique globals. */
const GLOBAL_LOWERCASE_TYPES = new Set(["i", "u"]);

function isGlobalDefinition(type: string): boolean {
  if (UNDEFINED_TYPES.has(type)) return false;
  return GLOBAL_LOWERCASE_TYPES.has(type) || (/^[A-Z]$/.test(type));
}

function isKernelSymbol(name: string, kernel: string): boolean {
  return name === kernel;
}

export function parseNm(output: string): NmSymbol[] {
  const symbols: NmSymbol[] = [];
  for (const line of output.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || fields[0] === "") continue;
    symbols.push({ name: fields[0]!, type: fields[1]! });
  }
  return symbols;
}

export interface SymbolPolicy {
  kernel: string;
  allowed: readonly string[];
  openmp: boolean;
}

export type SymbolVerdict =
  | { ok: true; defined: string[]; called: string[] }
  | { ok: false; kind: "forbidden"; detail: string; defined: string[]; called: string[] }
  | { ok: false; kind: "kernel_missing"; detail: string; defined: string[]; called: string[] };

export function isAllowedCall(name: string, policy: SymbolPolicy): boolean {
  return (
    BUILTIN_ALLOWED_SYMBOLS.includes(name) ||
    policy.allowed.includes(name) ||
    LIBGCC_HELPER.test(name) ||
    (policy.openmp && OPENMP_RUNTIME.test(name))
  );
}

export function checkSymbols(symbols: readonly NmSymbol[], policy: SymbolPolicy): SymbolVerdict {
  const defined = symbols.filter((s) => isGlobalDefinition(s.type));
  const called = symbols.filter((s) => UNDEFINED_TYPES.has(s.type));
  const definedNames = [...new Set(defined.map((s) => s.name))].sort();
  const calledNames = [...new Set(called.map((s) => s.name))].sort();
  const indirect = symbols.filter((s) => s.type === "i");
  if (indirect.length > 0) {
    return {
      ok: false,
      kind: "forbidden",
      detail: `the variant defines the indirect function(s) ${indirect.map((s) => s.name).join(", ")} (ifunc, target_clones): a resolver runs while the program loads, before any check; choose the instruction set with the spec's flags instead`,
      defined: definedNames,
      called: calledNames,
    };
  }
  const extra = defined.filter((s) => !isKernelSymbol(s.name, policy.kernel));
  if (extra.length > 0) {
    const list = extra.map((s) => `${s.name} (${s.type})`).join(", ");
    return {
      ok: false,
      kind: "forbidden",
      detail: `the variant defines the global symbol(s) ${list}; it may define only its kernel ${policy.kernel} (make helpers static)`,
      defined: definedNames,
      called: calledNames,
    };
  }
  if (!defined.some((s) => s.name === policy.kernel && s.type === "T")) {
    return {
      ok: false,
      kind: "kernel_missing",
      detail: `the variant does not define the kernel function ${policy.kernel} as a global function`,
      defined: definedNames,
      called: calledNames,
    };
  }
  const forbidden = calledNames.filter((name) => !isAllowedCall(name, policy));
  if (forbidden.length > 0) {
    return {
      ok: false,
      kind: "forbidden",
      detail: `the variant calls ${forbidden.join(", ")}, which the spec does not allow (add to allowedSymbols if intended)`,
      defined: definedNames,
      called: calledNames,
    };
  }
  return { ok: true, defined: definedNames, called: calledNames };
}
