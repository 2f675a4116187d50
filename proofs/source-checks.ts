// Checks on the variant's raw source before it is preprocessed. Line markers in the preprocessed text say
// which file each line came from; for CUDA the proof reads only the variant's own lines (the CUDA headers
// are C++ it does not interpret), so a variant must not be able to forge markers or pull in code the
// proof would not see.

import type { ProofLanguage } from "./types.ts";

/** Directives a CUDA variant may use: everything else could add code outside the lines the proof reads. */
const CUDA_DIRECTIVES = new Set(["", "define", "undef", "if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif", "pragma", "error", "warning"]);

function withoutComments(line: string): string {
  return line.replace(/\/\*.*?\*\//g, " ").replace(/\/\/.*$/, "");
}

/** Why the source cannot be proved as written, or undefined. */
export function directiveProblem(source: string, language: ProofLanguage): string | undefined {
  const joined = source.replace(/\\\r?\n/g, "");
  if (/\?\?=/.test(joined)) return "trigraphs (??=) are not allowed in a variant";
  const lines = joined.split(/\r?\n/);
  for (let k = 0; k < lines.length; k++) {
    const m = /^\s*(?:#|%:)(.*)$/.exec(lines[k]!);
    if (!m) continue;
    const rest = withoutComments(m[1]!).trim();
    const name = /^[A-Za-z_]*/.exec(rest)![0];
    if (name === "line" || /^\d/.test(rest)) return `a #line directive at line ${k + 1}: line markers must come from the preprocessor`;
    if (language === "cuda" && !CUDA_DIRECTIVES.has(name)) return `#${name} at line ${k + 1}: a CUDA variant may not include other files (the proof reads only the variant's own code)`;
  }
  return undefined;
}
