// Issue #12, class 8: every message names the field, what was expected and what was received, shortened:
// union-typed values say what each alternative takes (never the schema library's "Invalid input"), and a
// megabyte-long value is never echoed whole.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseProfile } from "../hardware-profiles/load.ts";
import { loadSpec } from "../specs/load.ts";
import { runCommandLine } from "../cli/program.ts";
import { oneLineError } from "./support/one-line.ts";
import { FAST_KERNEL, specCopy } from "./support/spec-copy.ts";

const scratch = mkdtempSync(join(tmpdir(), "nightshift-messages-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const refused = (mutate: (spec: Record<string, any>) => void) => oneLineError(() => loadSpec(specCopy(scratch, mutate)), "SPEC_INVALID").message;
const MEGABYTE = "a b ".repeat(262_144);

describe("union-typed values", () => {
  it("say what each alternative would take", () => {
    expect(refused((s) => (s.parameters.UNROLL = [true]))).toBe("spec.parameters.UNROLL[0]: expected number or string, received true");
    expect(refused((s) => (s.baseline.UNROLL = { a: 1 }))).toBe('spec.baseline.UNROLL: expected number or string, received {"a":1}');
  });

  it("with a discriminator list its values", () => {
    expect(refused((s) => (s.arguments[0].kind = "weird"))).toBe(`spec.arguments[0].kind: expected one of 'buffer' | 'scalar', received "weird"`);
    expect(oneLineError(() => parseProfile({ name: "p", kind: "cpu", reach: { via: "teleport" } }, "/p.json"), "PROFILE_INVALID").message).toBe(
      `profile.reach.via: expected one of 'local' | 'ssh' | 'slurm' | 'replay', received "teleport" (/p.json)`,
    );
  });

  it("with a bound say the bound", () => {
    expect(refused((s) => (s.arguments = []))).toBe("spec.arguments: expected a list of at least 1 items, received []");
  });
});

describe("long values", () => {
  it("are shortened in a spec field", () => {
    const message = refused((s) => (s.kernel = MEGABYTE));
    expect(message).toBe(`spec.kernel: expected a C identifier, received "${MEGABYTE.slice(0, 77)}..."`);
  });

  it("are shortened when the field name itself is the long value", () => {
    const message = refused((s) => (s[MEGABYTE] = 1));
    expect(message).toBe(`spec: expected only known fields, received unknown field(s) "${MEGABYTE.slice(0, 77)}..."`);
  });

  it("are shortened on the command line, whichever option carries them", async () => {
    const lines: string[] = [];
    const code = await runCommandLine(["node", "nightshift", "measure", FAST_KERNEL, "--params", `UNROLL${MEGABYTE}`], (text) => lines.push(text));
    expect(code).toBe(2);
    expect(lines.join("")).toBe(`nightshift: --params: expected k=v pairs separated by commas, received "UNROLL${MEGABYTE.slice(0, 71)}..." [PARAMS_INVALID]\n`);
  });
});
