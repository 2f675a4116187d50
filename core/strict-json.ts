// JSON as configuration needs two checks JSON.parse does not make: a key given twice in one object (JSON.parse
// keeps the last silently, so the value a user reads first is not the one used) and nesting so deep that
// printing or walking the value overflows the stack. Both are found by one pass over the text, which
// never recurses, before the value is used.

import { describeValue } from "./errors.ts";

export const MAX_JSON_DEPTH = 64;

export type StrictJson = { ok: true; value: unknown } | { ok: false; field: string; expected: string; received: string };

interface Frame {
  kind: "object" | "array";
  keys: Set<string>;
  key: string | null;
  index: number;
}

/** "spec.arguments[0]" for the frames open now (`root` names the document). */
function pathOf(root: string, frames: readonly Frame[]): string {
  let path = root;
  for (let k = 0; k + 1 < frames.length; k++) {
    const parent = frames[k]!;
    path += parent.kind === "object" ? `.${parent.key ?? "?"}` : `[${parent.index}]`;
  }
  return path;
}

/** The first nesting or duplicate problem in `text`, or null. Text that is not JSON is left to JSON.parse. */
function scan(text: string, root: string, maxDepth: number): Exclude<StrictJson, { ok: true }> | null {
  const frames: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const top = frames[frames.length - 1];
      if (expectKey && top?.kind === "object") {
        const raw = text.slice(start, i + 1);
        let key = raw.slice(1, -1);
        if (raw.includes("\\")) {
          try {
            key = JSON.parse(raw) as string;
          } catch {
            return null; // not JSON; JSON.parse says where
          }
        }
        if (top.keys.has(key)) return { ok: false, field: pathOf(root, frames), expected: "each key once", received: `${describeValue(key)} twice` };
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      frames.push({ kind: c === 0x7b ? "object" : "array", keys: new Set(), key: null, index: 0 });
      if (frames.length > maxDepth) return { ok: false, field: pathOf(root, frames), expected: `JSON nested at most ${maxDepth} levels deep`, received: "deeper nesting" };
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top?.kind === "object") expectKey = true;
      else if (top) top.index++;
    }
  }
  return null;
}

/** JSON.parse plus the checks above; `root` names the document in the field of a problem ("spec", "profile"). */
export function parseStrictJson(text: string, root: string, maxDepth = MAX_JSON_DEPTH): StrictJson {
  const nesting = scan(text, root, maxDepth);
  if (nesting?.expected.startsWith("JSON nested")) return nesting;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, field: root, expected: "valid JSON", received: `text that does not parse (${(error as Error).message.slice(0, 200)})` };
  }
  return nesting ?? { ok: true, value };
}
