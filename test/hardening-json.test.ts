// Issue #12, class 7: a key given twice in one object of a spec or profile is refused, naming the key and
// where it is (JSON.parse would keep the last silently); so is nesting too deep to print or walk.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStrictJson } from "../core/strict-json.ts";
import { loadProfile, PROFILES_DIR } from "../hardware-profiles/load.ts";
import { loadSpec } from "../specs/load.ts";
import { oneLineError, oneLineRejection } from "./support/one-line.ts";
import { FAST_KERNEL, specCopy } from "./support/spec-copy.ts";

const scratch = mkdtempSync(join(tmpdir(), "nightshift-json-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("duplicate keys", () => {
  it("in a spec are refused with the key and its place", () => {
    const text = readFileSync(join(FAST_KERNEL, "kernel.json"), "utf8").replace('"kernel": "scale",', '"kernel": "scale",\n  "kernel": "evil",');
    const dir = specCopy(scratch, () => {}, { text });
    expect(oneLineError(() => loadSpec(dir), "SPEC_INVALID").message).toBe(`spec: expected each key once in ${JSON.stringify(join(dir, "kernel.json"))}, received "kernel" twice`);
  });

  it("deep inside a spec name the path to the object that holds them", () => {
    const text = readFileSync(join(FAST_KERNEL, "kernel.json"), "utf8").replace('"dtype": "float32", "length": "N", "intent": "out"', '"dtype": "float32", "length": "N", "intent": "out", "intent": "in"');
    const dir = specCopy(scratch, () => {}, { text });
    expect(oneLineError(() => loadSpec(dir), "SPEC_INVALID").message).toBe(`spec.arguments[1]: expected each key once in ${JSON.stringify(join(dir, "kernel.json"))}, received "intent" twice`);
  });

  it("written with escapes are still the same key", () => {
    expect(parseStrictJson('{"a": 1, "\\u0061": 2}', "doc")).toEqual({ ok: false, field: "doc", expected: "each key once", received: '"a" twice' });
  });

  it("in a profile are refused", async () => {
    const file = join(scratch, "dup-profile.json");
    writeFileSync(file, readFileSync(join(PROFILES_DIR, "h200.json"), "utf8").replace('"kind": "gpu",', '"kind": "gpu", "kind": "cpu",'));
    expect((await oneLineRejection(() => loadProfile(file), "PROFILE_INVALID")).message).toBe(`profile: expected each key once in ${JSON.stringify(file)}, received "kind" twice`);
  });

  it("in different objects are not duplicates", () => {
    expect(parseStrictJson('{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 1}, {"x": 2}]}', "doc").ok).toBe(true);
  });
});

describe("nesting", () => {
  it("deeper than any spec needs is refused before it is parsed", () => {
    const dir = specCopy(scratch, () => {}, { text: `{"name": ${"[".repeat(100_000)}${"]".repeat(100_000)}}` });
    expect(oneLineError(() => loadSpec(dir), "SPEC_INVALID").message).toBe(`spec.name${"[0]".repeat(63)}: expected JSON nested at most 64 levels deep in ${JSON.stringify(join(dir, "kernel.json"))}, received deeper nesting`);
  });
});
