import { describe, expect, it } from "vitest";
import { blamePatterns, blockedByLedger, restrictSpace, type FailureOutcome } from "../agents/ledger.ts";
import type { LedgerEntry } from "../results/types.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { loadSpec } from "../specs/load.ts";

const failure = (params: FailureOutcome["params"], status: FailureOutcome["status"] = "compile_error"): FailureOutcome => ({
  variantHash: JSON.stringify(params),
  params,
  status,
  message: "compile error: #error",
});

describe("blaming a parameter pattern", () => {
  it("blames the one setting two failures share and no success has", () => {
    const failures = [failure({ UNROLL: 1, PASSES: 4, FLAVOR: "broken" }), failure({ UNROLL: 4, PASSES: 1, FLAVOR: "broken" })];
    const successes = [{ UNROLL: 1, PASSES: 16, FLAVOR: "plain" }];
    const blamed = blamePatterns(failures, successes);
    expect(blamed.map((b) => b.pattern)).toEqual([{ FLAVOR: "broken" }]);
    expect(blamed[0]!.occurrences).toBe(2);
  });

  it("keeps the whole shared setting when two equally small causes explain the failures", () => {
    // FLAVOR=broken and UNROLL=2 are both shared and both unseen among successes: the cause is not known yet.
    const failures = [failure({ UNROLL: 2, PASSES: 4, FLAVOR: "broken" }), failure({ UNROLL: 2, PASSES: 1, FLAVOR: "broken" })];
    const blamed = blamePatterns(failures, [{ UNROLL: 1, PASSES: 16, FLAVOR: "plain" }]);
    expect(blamed.map((b) => b.pattern)).toEqual([{ UNROLL: 2, FLAVOR: "broken" }]);
  });

  it("blames nothing a success contradicts", () => {
    const failures = [failure({ UNROLL: 2, PASSES: 4, FLAVOR: "plain" }), failure({ UNROLL: 4, PASSES: 4, FLAVOR: "plain" })];
    const successes = [{ UNROLL: 1, PASSES: 4, FLAVOR: "plain" }];
    expect(blamePatterns(failures, successes)).toEqual([]);
  });

  it("does not pool failures of different kinds", () => {
    const failures = [failure({ UNROLL: 1, PASSES: 4, FLAVOR: "broken" }, "compile_error"), failure({ UNROLL: 4, PASSES: 1, FLAVOR: "broken" }, "timeout")];
    expect(blamePatterns(failures, [])).toEqual([]);
  });
});

describe("the ledger restricts the search space", () => {
  const spec = loadSpec("test/fixtures/fast-kernel");
  const space = spaceFromSpec(spec);
  const entry: LedgerEntry = { status: "compile_error", pattern: { FLAVOR: "broken" }, message: "2 failures", variantHash: "x", device: "local", occurrences: 2 };

  it("removes every configuration matching a generalised pattern", () => {
    const restricted = restrictSpace(space, [entry]);
    expect(space.validConfigs()).toHaveLength(18);
    expect(restricted.validConfigs()).toHaveLength(9);
    expect(restricted.validConfigs().every((c) => c.FLAVOR === "plain")).toBe(true);
    expect(restricted.isValid({ UNROLL: 2, PASSES: 4, FLAVOR: "broken" })).toBe(false);
  });

  it("leaves the space alone for entries naming one exact configuration", () => {
    const exact: LedgerEntry = { ...entry, pattern: { UNROLL: 2, PASSES: 4, FLAVOR: "broken" } };
    expect(restrictSpace(space, [exact]).validConfigs()).toHaveLength(18);
    expect(blockedByLedger({ UNROLL: 2, PASSES: 4, FLAVOR: "broken" }, [exact], 3)).toBeUndefined();
  });
});
