// The published JSON Schemas, generated from the zod schemas so editors can complete and check
// kernel.json and profile files. `npx tsx specs/json-schema.ts --write` regenerates the committed files;
// test/spec-validation.test.ts fails when they drift from the zod schemas.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { hardwareProfileSchema } from "../hardware-profiles/schema.ts";
import { kernelSpecSchema } from "./schema.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface PublishedSchema {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly title: string;
  readonly schema: z.ZodType;
}

export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  { path: "specs/kernel-spec.schema.json", title: "nightshift kernel spec (kernel.json)", schema: kernelSpecSchema },
  { path: "hardware-profiles/profile.schema.json", title: "nightshift hardware profile", schema: hardwareProfileSchema },
];

/** The file text for one schema: the input side, so fields with defaults are optional for the writer. */
export function generateJsonSchema(published: PublishedSchema): string {
  const json = z.toJSONSchema(published.schema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify({ ...json, title: published.title }, null, 2)}\n`;
}

/** Paths (relative to the root) whose committed text differs from what the zod schemas generate. */
export function staleJsonSchemas(root = ROOT): string[] {
  return PUBLISHED_SCHEMAS.filter((p) => {
    let committed: string;
    try {
      committed = readFileSync(join(root, p.path), "utf8");
    } catch {
      return true;
    }
    return committed !== generateJsonSchema(p);
  }).map((p) => p.path);
}

export function writeJsonSchemas(root = ROOT): string[] {
  for (const p of PUBLISHED_SCHEMAS) writeFileSync(join(root, p.path), generateJsonSchema(p));
  return PUBLISHED_SCHEMAS.map((p) => p.path);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes("--write")) {
    for (const path of writeJsonSchemas()) process.stdout.write(`wrote ${path}\n`);
  } else {
    const stale = staleJsonSchemas();
    process.stdout.write(stale.length === 0 ? "JSON Schemas are up to date\n" : `stale: ${stale.join(", ")} (run with --write)\n`);
    process.exitCode = stale.length === 0 ? 0 : 1;
  }
}
