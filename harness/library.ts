// A spec's library baselines as variants: the human-written source, built and judged by the same protocol
// as any variant, with the library's link and symbols allowed for that source only. Never searched, never
// stored as a variant: what a tuned kernel is compared with.

import { describeValue, fail } from "../core/errors.ts";
import type { KernelSpec } from "../specs/schema.ts";
import type { Variant } from "./types.ts";
import { variantHash } from "./variant.ts";

export type LibraryBaseline = KernelSpec["libraryBaselines"][number];

/** The spec as the named baseline is built: its libraries linked, its flags added, its calls allowed. */
function specFor(spec: KernelSpec, baseline: LibraryBaseline): KernelSpec {
  return {
    ...spec,
    build: { ...spec.build, flags: [...spec.build.flags, ...baseline.flags], libraries: [...spec.build.libraries, ...baseline.libraries] },
    allowedSymbols: [...spec.allowedSymbols, ...baseline.allowedSymbols],
  };
}

/**
 * The named library baseline of a spec. It has no parameters: the template's -DNAME=value flags would reach
 * the library's headers too (cblas.h names its arguments KU, KL, ...), and its source does not use them.
 */
export function libraryVariant(spec: KernelSpec, name: string): Variant {
  const baseline = spec.libraryBaselines.find((b) => b.name === name);
  if (!baseline) {
    const names = spec.libraryBaselines.map((b) => b.name);
    fail("PARAMS_INVALID", `--library: expected one of the spec's library baselines {${names.join(", ")}}, received ${describeValue(name)}`);
  }
  const built = specFor(spec, baseline);
  const source = spec.librarySources[name]!;
  return { hash: variantHash(built, {}, source), spec: built, params: {}, source, origin: "library", library: name };
}

/** Every library baseline of the spec, in the spec's order. */
export function libraryVariants(spec: KernelSpec): Array<{ baseline: LibraryBaseline; variant: Variant }> {
  return spec.libraryBaselines.map((baseline) => ({ baseline, variant: libraryVariant(spec, baseline.name) }));
}
