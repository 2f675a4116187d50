// One schema failure as one line: "field: expected X, received Y", the way every bad input is reported.

import type { z } from "zod";
import { describeValue } from "./errors.ts";

/** Formats the first zod issue as "field: expected X, received Y". */
export function formatZodIssue(error: z.ZodError, root: unknown, prefix: string): string {
  const issue = error.issues[0]!;
  // Array positions read as [i], like the cross-field messages below ("arguments[0].name").
  const field = issue.path.reduce<string>((at, key) => (typeof key === "number" ? `${at}[${key}]` : at ? `${at}.${keyText(key)}` : keyText(key)), prefix) || prefix;
  let received: unknown = root;
  for (const key of issue.path) received = received && typeof received === "object" ? (received as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.slice(0, 5).map((k) => describeValue(k)).join(", ");
    return `${field}: expected only known fields, received unknown field(s) ${keys}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ""}`;
  }
  if (issue.code === "invalid_type" && received === undefined) {
    return `${field}: expected ${issue.expected}, received nothing (the field is missing)`;
  }
  const reason = issue.code === "custom" && typeof issue.params?.reason === "string" ? ` (${issue.params.reason})` : "";
  return `${field}: expected ${expectedOf(issue)}, received ${describeValue(received)}${reason}`;
}

const ORIGINS: Readonly<Record<string, string>> = { number: "a number", int: "an integer", bigint: "an integer", string: "a string of", array: "a list of", set: "a set of", file: "a file of", date: "a date" };

/** A field name that is itself user input (a record key) is shortened like any other received value. */
const keyText = (key: PropertyKey): string => (String(key).length > 60 ? `${String(key).slice(0, 57)}...` : String(key));

/** What an issue expected, in words; a union lists what each of its branches would have taken. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_union": {
      if (issue.errors.length === 0) return issue.message.replace(/^Invalid discriminator value\. Expected /, "one of ");
      const branches = issue.errors.map((branch) => (branch[0] ? expectedOf(branch[0]) : "something else"));
      return [...new Set(branches)].join(" or ");
    }
    case "too_big":
    case "too_small": {
      const bound = issue.code === "too_big" ? issue.maximum : issue.minimum;
      const inclusive = issue.inclusive !== false;
      const word = issue.code === "too_big" ? (inclusive ? "at most" : "below") : inclusive ? "at least" : "above";
      const what = ORIGINS[issue.origin] ?? issue.origin;
      const unit = issue.origin === "string" ? " characters" : issue.origin === "array" || issue.origin === "set" ? " items" : "";
      return `${what} ${word} ${String(bound)}${unit}`;
    }
    default:
      return issue.message.replace(/^Invalid (input|option): (expected )?/, "").replace(/^Invalid discriminator value\. Expected /, "one of ");
  }
}
