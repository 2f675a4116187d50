// Helpers every strategy shares.

import type { ProposeInput } from "./types.ts";

export function visitedKeys(input: ProposeInput): Set<string> {
  const keys = new Set<string>();
  for (const o of input.history) keys.add(input.space.key(o.config));
  return keys;
}
