// The items of `nightshift run --sizes`: each NAME=INT[,NAME=INT...] (several names for multi-variable sizes).

import { describeValue, fail } from "../core/errors.ts";
import type { ProblemSize } from "../specs/schema.ts";
import { sizeLabel } from "../specs/tune-size.ts";

const ITEM = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/;

/** Syntax only: whether the names and values suit the spec is checked with the spec (specs/tune-size.ts). */
export function parseSizes(items: readonly string[]): ProblemSize[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const size: ProblemSize = {};
    for (const part of item.split(",")) {
      const m = ITEM.exec(part.trim());
      const value = m ? Number(m[2]) : NaN;
      if (!m || !Number.isSafeInteger(value) || value < 1 || m[1]! in size) {
        fail("USAGE", `--sizes: expected NAME=INT[,NAME=INT...] with each name once and positive integers (e.g. N=1024 or M=64,N=128), received ${describeValue(item)}`);
      }
      size[m[1]!] = value;
    }
    const key = sizeLabel(size, Object.keys(size).sort());
    if (seen.has(key)) fail("USAGE", `--sizes: expected distinct sizes, received ${key} twice`);
    seen.add(key);
    return size;
  });
}
