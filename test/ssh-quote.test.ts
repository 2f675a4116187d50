import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { envAssignments, quote, quoteArgv } from "../runners/shell-quote.ts";
import { isNightshiftError } from "../core/errors.ts";

/** Deterministic pseudo-random strings over the characters a shell treats specially. */
function* nastyStrings(count: number): Generator<string> {
  const alphabet = ["'", '"', "\\", "$", "`", "(", ")", ";", "&", "|", "<", ">", "*", "?", "[", "]", "{", "}", "~", "#", "!", " ", "\t", "\n", "-", "=", "%", "a", "Z", "0", "é", "✓"];
  let state = 12345;
  for (let i = 0; i < count; i++) {
    let s = "";
    const length = i % 17;
    for (let j = 0; j < length; j++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      s += alphabet[state % alphabet.length];
    }
    yield s;
  }
}

describe("shell quoting", () => {
  it("round-trips 500 strings of shell metacharacters through sh -c as single words", () => {
    const values = [...nastyStrings(500), "$(id)", "`id`", "'; rm -rf /; '", "--", "-n", ""];
    // One sh invocation prints every argument NUL-separated, so each value must arrive as exactly one word.
    const out = execFileSync("sh", ["-c", `printf '%s\\0' ${values.map(quote).join(" ")}`], { encoding: "utf8" });
    expect(out.split("\0").slice(0, -1)).toEqual(values);
  });

  it("keeps plain tokens readable and quotes everything else", () => {
    expect(quoteArgv(["gcc", "-O2", "-DN=4", "a b.c"])).toBe("gcc -O2 -DN=4 'a b.c'");
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote("")).toBe("''");
  });

  it("refuses NUL bytes and environment names that are not identifiers, saying what it received", () => {
    for (const bad of [() => quote("a\0b"), () => envAssignments({ "A;B": "x" })]) {
      let error: unknown;
      try {
        bad();
      } catch (e) {
        error = e;
      }
      expect(isNightshiftError(error) && /expected .*received/.test(error.message)).toBe(true);
    }
    expect(envAssignments({ A: "x y" })).toEqual(["A=x y"]);
  });
});
