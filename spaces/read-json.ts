// Reads a JSON file that may be gzip-compressed (detected from its magic bytes, not its name).

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fail } from "../core/errors.ts";

export function readJsonFile(file: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return fail("SPACE_INVALID", `${file}: expected a readable tuning-space file, received a path that cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  }
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail("SPACE_INVALID", `${file}: expected JSON, received text that does not parse (${(error as Error).message})`, error);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function finiteOrUndefined(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
