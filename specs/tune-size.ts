// A spec tuned at another size than its own problem.tune (`nightshift run --sizes`). It lives with the spec
// so that everything reloading a campaign's spec (a resume, a report) can apply the same override.

import { describeValue, fail, isNightshiftError } from "../core/errors.ts";
import { checkSpecAtEverySize } from "./check-sizes.ts";
import type { KernelSpec, ProblemSize } from "./schema.ts";

/** "N=384" or "M=64,N=128", the size variables in the spec's order. */
export function sizeLabel(size: ProblemSize, order: readonly string[] = Object.keys(size)): string {
  return order.map((name) => `${name}=${size[name]}`).join(",");
}

/**
 * The spec as a campaign tuned at `size` sees it. The id changes with the size because variant hashes
 * include it: a variant measured at one size must never be taken for the same variant at another.
 */
export function specAtTuneSize(spec: KernelSpec, size: ProblemSize | undefined): KernelSpec {
  if (size === undefined) return spec;
  const names = Object.keys(spec.problem.tune);
  const expected = `the spec's size variables {${names.join(", ")}} with positive integer values`;
  if (spec.spaceFile !== undefined) fail("USAGE", `--sizes: expected a kernel spec folder, received the tuning-space file ${describeValue(spec.spaceFile)}, whose replayed times were recorded at one size`);
  const given = Object.keys(size);
  if (given.length !== names.length || !given.every((name) => names.includes(name))) fail("USAGE", `--sizes: expected ${expected}, received ${describeValue(size)}`);
  for (const name of names) {
    const value = size[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) fail("USAGE", `--sizes: expected ${expected}, received ${describeValue(size)}`);
  }
  // The spec's order, so labels and the dispatch table's size fields read the same whatever order was typed.
  const tune = Object.fromEntries(names.map((name) => [name, size[name]!]));
  const resized: KernelSpec = { ...spec, id: `${spec.id}@${sizeLabel(tune)}`, problem: { ...spec.problem, tune } };
  try {
    checkSpecAtEverySize(resized);
  } catch (error) {
    if (!isNightshiftError(error)) throw error;
    fail("USAGE", `--sizes: expected a size at which the spec's own checks pass, received ${sizeLabel(tune)} (${error.message})`);
  }
  return resized;
}
