// Checks every request input passes before a handler sees it: no string anywhere (keys included) may hold a
// character outside a small safe set, so nothing a client sends can reach a shell or a path as syntax; then
// the route's zod schema, strict (unknown fields are refused). Each failure names the field.

import type { z } from "zod";
import { describeValue } from "../core/errors.ts";
import { formatZodIssue } from "../core/zod-issue.ts";
import { HttpError } from "./http-error.ts";

/** Letters, digits and . _ / : @ + = , - : enough for names, ids, relative paths, "replay-x", "openai:gpt-4o". */
export const SAFE_TEXT = /^[A-Za-z0-9._/:@+=,-]*$/;
export const SAFE_TEXT_DESCRIPTION = "only letters, digits and . _ / : @ + = , - (no shell metacharacters or spaces)";

function fieldOf(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * Throws for the first unsafe string in `value`. Values under the paths in `opaque` (file contents of an
 * upload) are not text the daemon interprets, so only their keys are checked.
 */
export function requireSafeStrings(value: unknown, field: string, opaque: readonly string[] = []): void {
  if (typeof value === "string") {
    if (!SAFE_TEXT.test(value)) throw new HttpError(400, "REQUEST_INVALID", field || "value", SAFE_TEXT_DESCRIPTION, describeValue(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => requireSafeStrings(item, fieldOf(field, i), opaque));
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const at = fieldOf(field, key);
      // The bad name itself is shown quoted, so a newline or quote in it cannot break the error's one line.
      if (!SAFE_TEXT.test(key)) throw new HttpError(400, "REQUEST_INVALID", fieldOf(field, JSON.stringify(key)), `a field name with ${SAFE_TEXT_DESCRIPTION}`, describeValue(key));
      if (!opaque.includes(field)) requireSafeStrings(item, at, opaque);
    }
  }
}

const SHAPE = /^(.*?): expected ([\s\S]*?), received ([\s\S]*)$/;

/** The input parsed by its schema, or a 400 naming the first bad field. `where`: "" for the body, "query", "params". */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown, where: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const line = formatZodIssue(parsed.error, raw, where);
  const match = SHAPE.exec(line);
  throw new HttpError(400, "REQUEST_INVALID", match?.[1] || where || "body", match?.[2] ?? "valid input", match?.[3] ?? line);
}
