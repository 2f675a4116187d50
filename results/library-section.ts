// The report's table of the best variant beside the spec's library baselines on one device: time with its
// interval, the best as a percentage of each library, object size and how each was verified.

import { describeEvidence } from "./evidence.ts";
import type { Headline } from "./headline.ts";
import type { AcceptedVariant } from "./summary.ts";
import { fmtValue } from "./svg-convergence.ts";

const interval = (ci: [number, number]): string => `${fmtValue(ci[0])} – ${fmtValue(ci[1])}`;

export function librarySection(best: AcceptedVariant | null, headline: Headline): string[] {
  if (headline.libraries.length === 0) return [];
  const out = [
    "",
    "### Beside the library",
    "",
    "Each library baseline of the spec was built and measured on this device under the same harness and verification as every variant. *Best as % of library*: the library's median over the best's, times 100 (above 100: the tuned kernel is faster).",
    "",
    "| implementation | median (ms) | 95% CI (ms) | best as % of library | object (bytes) | verification |",
    "|---|---|---|---|---|---|",
  ];
  if (best && headline.best) {
    const bytes = best.compile?.objectBytes;
    out.push(`| best variant \`${best.variantHash}\` | ${fmtValue(headline.best.medianMs)} | ${interval(headline.best.ci95Ms)} | | ${bytes ?? "–"} | ${describeEvidence(best.evidence, best.proof)} |`);
  } else {
    out.push("| best variant | none accepted | | | | |");
  }
  for (const l of headline.libraries) {
    if (l.medianMs === null || l.ci95Ms === null) {
      out.push(`| ${l.name} | not measured: ${l.status} | | | ${l.objectBytes ?? "–"} | ${l.verification.replace(/\|/g, "\\|")} |`);
      continue;
    }
    out.push(`| ${l.name} | ${fmtValue(l.medianMs)} | ${interval(l.ci95Ms)} | ${l.percentOfLibrary !== null ? `${l.percentOfLibrary}%` : "–"} | ${l.objectBytes ?? "–"} | ${l.verification} |`);
  }
  return out;
}
