// Published JSON Schemas, generated from the zod schemas so editors can complete and check the files users
// write (kernel.json, profiles). Each folder that owns a schema publishes it (specs/json-schema.ts,
// hardware-profiles/json-schema.ts); tests fail when a committed file drifts from its zod schema.

import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";

export const REPO_ROOT = resolve(import.meta.dirname, "..");

export interface PublishedSchema {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly title: string;
  readonly schema: z.ZodType;
}

/** The file text for one schema: the input side, so fields with defaults are optional for the writer. */
export function generateJsonSchema(published: PublishedSchema): string {
  const json = z.toJSONSchema(published.schema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify({ ...json, title: published.title }, null, 2)}\n`;
}

/** Whether the committed file differs from what the zod schema generates. */
export function isStale(published: PublishedSchema, root = REPO_ROOT): boolean {
  try {
    return readFileSync(join(root, published.path), "utf8") !== generateJsonSchema(published);
  } catch {
    return true;
  }
}

/** `npx tsx <folder>/json-schema.ts [--write]`: checks the committed file, or rewrites it. */
export function publishFromCommandLine(published: PublishedSchema, moduleUrl: string): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  if (process.argv.includes("--write")) {
    writeFileSync(join(REPO_ROOT, published.path), generateJsonSchema(published));
    process.stdout.write(`wrote ${published.path}\n`);
  } else {
    const stale = isStale(published);
    process.stdout.write(stale ? `stale: ${published.path} (run with --write)\n` : `${published.path} is up to date\n`);
    process.exitCode = stale ? 1 : 0;
  }
}
