// Copies of a fixture spec folder with kernel.json changed, for tests that feed nightshift bad specs.

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FAST_KERNEL = join(import.meta.dirname, "..", "fixtures", "fast-kernel");

/** A copy of `from` under `scratch` whose kernel.json is `mutate`d (or replaced by `text`); returns its folder. */
export function specCopy(scratch: string, mutate: (spec: Record<string, any>) => void, options: { from?: string; text?: string } = {}): string {
  const dir = mkdtempSync(join(scratch, "spec-"));
  cpSync(options.from ?? FAST_KERNEL, dir, { recursive: true });
  const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
  mutate(spec);
  writeFileSync(join(dir, "kernel.json"), options.text ?? JSON.stringify(spec, null, 2));
  return dir;
}
