// What a #pragma means for the proof. Loop pragmas that only guide optimisation are ignored; OpenMP
// work-sharing and SIMD assertions become race-checked parallel loops; anything that could change what the
// program computes and is not modelled is reported unsupported.

export type PragmaMeaning =
  /** Iterations may run concurrently: a work-sharing loop (parallel or inside a region) or a SIMD assertion. */
  | { readonly kind: "loop"; readonly parallel: boolean; readonly simd: boolean; readonly collapse: number }
  /** `omp parallel`: every thread runs the block. */
  | { readonly kind: "region" }
  | { readonly kind: "ignore" }
  | { readonly kind: "unsupported"; readonly reason: string };

/** Clauses that change neither values nor which iterations run. */
const HARMLESS_CLAUSES = new Set(["schedule", "num_threads", "nowait", "proc_bind", "shared", "default"]);

function clauses(text: string): { name: string; args: string }[] | string {
  const out: { name: string; args: string }[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const m = /^,?\s*([A-Za-z_]+)\s*/.exec(rest);
    if (!m) return `cannot read the clauses "${rest}"`;
    rest = rest.slice(m[0].length);
    let args = "";
    if (rest.startsWith("(")) {
      let depth = 0;
      let k = 0;
      for (; k < rest.length; k++) {
        if (rest[k] === "(") depth++;
        if (rest[k] === ")" && --depth === 0) break;
      }
      args = rest.slice(1, k);
      rest = rest.slice(k + 1).trim();
    }
    out.push({ name: m[1]!, args });
  }
  return out;
}

function openmp(text: string): PragmaMeaning {
  const m = /^(parallel\s+for\s+simd|parallel\s+for|for\s+simd|parallel|for|simd)\b(.*)$/s.exec(text.trim());
  if (!m) return { kind: "unsupported", reason: `#pragma omp ${text.trim()}` };
  const directive = m[1]!.replace(/\s+/g, " ");
  const parsed = clauses(m[2]!);
  if (typeof parsed === "string") return { kind: "unsupported", reason: parsed };
  let collapse = 1;
  for (const c of parsed) {
    if (c.name === "collapse") {
      collapse = Number(c.args);
      if (!Number.isInteger(collapse) || collapse < 1 || collapse > 4) return { kind: "unsupported", reason: `collapse(${c.args})` };
      continue;
    }
    if (c.name === "default" && c.args.trim() !== "shared") return { kind: "unsupported", reason: `default(${c.args})` };
    if (!HARMLESS_CLAUSES.has(c.name)) return { kind: "unsupported", reason: `the OpenMP clause ${c.name}` };
  }
  if (directive === "parallel") return collapse === 1 ? { kind: "region" } : { kind: "unsupported", reason: "collapse on omp parallel" };
  return { kind: "loop", parallel: directive.startsWith("parallel"), simd: directive === "simd", collapse };
}

export function pragmaMeaning(text: string): PragmaMeaning {
  const t = text.trim();
  if (/^omp\b/.test(t)) return openmp(t.slice(3));
  // ivdep and assume_safety promise independent iterations: checked like a SIMD loop, not trusted.
  if (/^(GCC\s+)?ivdep\b/.test(t)) return { kind: "loop", parallel: false, simd: true, collapse: 1 };
  if (/^clang\s+loop\b/.test(t)) return /assume_safety/.test(t) ? { kind: "loop", parallel: false, simd: true, collapse: 1 } : { kind: "ignore" };
  if (/^(GCC\s+)?unroll\b|^nounroll\b|^GCC\s+novector\b|^unroll_and_jam\b/.test(t)) return { kind: "ignore" };
  if (/^(GCC\s+(diagnostic|push_options|pop_options|optimize|target|system_header|poison)|once|message|clang\s+diagnostic|nv_diag_\w+|diag_\w+)\b/.test(t)) return { kind: "ignore" };
  return { kind: "unsupported", reason: `#pragma ${t}` };
}
