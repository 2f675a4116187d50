// The spec's library baselines (harness/library.ts) beside the best variant of a device: the question a
// kernel engineer asks after "is it correct?" is "how close is it to what an expert already wrote?". A
// baseline is measured under the same harness and verification as any variant, so its figure is as good as
// the best's; one that could not be built or failed verification on the device is shown as such.

import { failureMessage } from "../harness/failure-message.ts";
import type { EvalResult } from "../harness/types.ts";
import type { LibraryResultRecord } from "./types.ts";

export interface LibraryFigure {
  name: string;
  variantHash: string;
  status: EvalResult["status"];
  /** Null when the baseline failed on the device. */
  medianMs: number | null;
  ci95Ms: [number, number] | null;
  /** Size of the baseline's object file (the wrapper, not the library it links). */
  objectBytes: number | null;
  /** How it was verified: "sanitized", "tested", or the failure in words. */
  verification: string;
  /**
   * The best variant's speed as a percentage of the library's (library median / best median x 100): 100
   * means as fast as the library, above 100 faster. Null without both medians.
   */
  percentOfLibrary: number | null;
}

/** One figure per baseline, its latest measurement on the device (a resumed campaign measures none twice). */
export function libraryFigures(results: readonly LibraryResultRecord[], bestMs: number | null): LibraryFigure[] {
  const latest = new Map<string, LibraryResultRecord>();
  for (const r of results) latest.set(r.name, r);
  return [...latest.values()].map((r) => {
    const ok = r.result.status === "ok" ? r.result : null;
    return {
      name: r.name,
      variantHash: r.variantHash,
      status: r.status,
      medianMs: ok ? ok.stats.medianMs : null,
      ci95Ms: ok ? ok.stats.ci95Ms : null,
      objectBytes: r.result.build?.stats.objectBytes ?? null,
      verification: ok ? (ok.verification.sanitized ? "sanitized" : "tested") : failureMessage(r.result),
      percentOfLibrary: ok && bestMs !== null && bestMs > 0 ? Number(((ok.stats.medianMs / bestMs) * 100).toFixed(1)) : null,
    };
  });
}

/** One line: the library's time with its interval, and the best as a percentage of it. */
export function describeLibraryFigure(l: LibraryFigure): string {
  if (l.medianMs === null || l.ci95Ms === null) return `${l.name}: not measured on this device (${l.status}: ${l.verification})`;
  const ms = (v: number): string => v.toFixed(4);
  const share = l.percentOfLibrary !== null ? `; the best runs at ${l.percentOfLibrary}% of its speed` : "";
  return `${l.name} ${ms(l.medianMs)} ms (95% CI ${ms(l.ci95Ms[0])}..${ms(l.ci95Ms[1])}; ${l.verification}${l.objectBytes !== null ? `, object ${l.objectBytes} bytes` : ""})${share}`;
}
