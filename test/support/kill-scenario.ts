// The variants of the kill tests' scenario (test/support/kill-child.ts), shared with the test itself.

import { join } from "node:path";
import { makeVariant } from "../../harness/variant.ts";
import { loadSpec } from "../../specs/load.ts";
import type { Params } from "../../specs/schema.ts";

export const KILL_SPEC = join(import.meta.dirname, "..", "fixtures", "fast-kernel");
export const KILL_PROFILE = join(import.meta.dirname, "..", "fixtures", "test-local-profile.json");
const spec = loadSpec(KILL_SPEC);
const plain = (UNROLL: number, PASSES: number): Params => ({ UNROLL, PASSES, FLAVOR: "plain" });
export const KILL_VARIANTS = { base: makeVariant(spec, plain(1, 16)).hash, first: makeVariant(spec, plain(1, 4)).hash, second: makeVariant(spec, plain(1, 1)).hash };
export const TIMES: Record<string, number> = { [KILL_VARIANTS.base]: 1.0, [KILL_VARIANTS.first]: 0.5, [KILL_VARIANTS.second]: 0.4 };
