// Reads a JSON file that may be gzip-compressed (detected from its magic bytes, not its name).

import { gunzipSync } from "node:zlib";
import { fail } from "../core/errors.ts";
import { describePath, FILE_KINDS, formatBytes, readBoundedFile } from "../core/read-file.ts";

/** The most a compressed file may expand to: a small .gz can hold gigabytes of zeros. */
export const MAX_DECOMPRESSED_BYTES = FILE_KINDS.tuningData.maxBytes;

export function readJsonFile(file: string): unknown {
  const read = readBoundedFile(file, FILE_KINDS.tuningData);
  if (!read.ok) return fail("SPACE_INVALID", `${describePath(file)}: expected ${FILE_KINDS.tuningData.what} of at most ${formatBytes(FILE_KINDS.tuningData.maxBytes)}, received a path that ${read.problem}`);
  const bytes = read.bytes;
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipBounded(bytes, file) : bytes.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail("SPACE_INVALID", `${describePath(file)}: expected JSON, received text that does not parse (${(error as Error).message.slice(0, 200)})`, error);
  }
}

function gunzipBounded(bytes: Buffer, file: string): string {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ERR_BUFFER_TOO_LARGE" ? `it expands beyond ${formatBytes(MAX_DECOMPRESSED_BYTES)}` : `it does not decompress (${(error as Error).message.slice(0, 200)})`;
    return fail("SPACE_INVALID", `${describePath(file)}: expected gzip-compressed JSON of at most ${formatBytes(MAX_DECOMPRESSED_BYTES)}, received a file ${why}`, error);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function finiteOrUndefined(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Sets each field of `target` whose value in `fields` is a finite number (times `scale`); leaves the others unset. */
export function assignFinite<T extends object>(target: T, fields: { [K in keyof T]?: unknown }, scale = 1): void {
  for (const [key, value] of Object.entries(fields)) {
    const n = finiteOrUndefined(value);
    if (n !== undefined) (target as Record<string, number>)[key] = n * scale;
  }
}
