// The per-size dispatch without a compiler: the selection rule (exact, else nearest by log distance, ties to
// the larger size), and the table built from several single-size tables.

import { describe, expect, it } from "vitest";
import { dispatchTable, type DispatchInput } from "../results/dispatch.ts";
import { compareSizes, selectEntry, SELECTION_RULE, sizedDispatch, sizedDispatchHeader, type SizedCampaign } from "../results/dispatch-sizes.ts";
import type { AcceptedVariant } from "../results/summary.ts";
import type { Params, ProblemSize } from "../specs/schema.ts";
import { acceptedVariant } from "./support/accepted-variant.ts";

const accepted = (device: string, params: Params, medianMs: number, extra: Partial<AcceptedVariant> = {}): AcceptedVariant =>
  acceptedVariant(device, params, medianMs, {
    variantHash: `${device}-${Object.values(params).join("-")}`.padEnd(16, "0").slice(0, 16),
    acceptedVerdict: "accepted after interleaved confirmation",
    ...extra,
  });

function campaign(id: string, size: ProblemSize, best: Array<[string, AcceptedVariant | null]>, sources = new Map<string, string>()): SizedCampaign {
  const input: DispatchInput = {
    specName: "stencil",
    specId: `stencil-0123456789ab@${Object.entries(size).map(([k, v]) => `${k}=${v}`).join(",")}`,
    language: "c",
    campaignId: id,
    parameters: [
      { name: "TILE", values: [8, 16, 32] },
      { name: "ORDER", values: ["ij", "ji"] },
    ],
    best: new Map(best),
    sources,
  };
  return { campaignId: id, size, table: dispatchTable(input), sources };
}

const one = (n: number) => ({ size: { N: n } });

describe("the selection rule", () => {
  const entries = [one(128), one(512), one(4096)];
  const pick = (n: number) => selectEntry(entries, { N: n }, ["N"])?.size.N ?? null;

  it("takes the exact size when it was tuned", () => {
    expect(pick(512)).toBe(512);
  });

  it("takes the nearest tuned size by ratio, not by difference", () => {
    // 200: 1.56x from 128, 2.56x from 512.
    expect(pick(200)).toBe(128);
    // 300 is nearer 128 by difference, but 2.34x from it and 1.71x from 512.
    expect(pick(300)).toBe(512);
    expect(pick(2000)).toBe(4096);
  });

  it("gives a tie to the larger tuned size; the boundary between two sizes is their geometric mean", () => {
    expect(pick(256)).toBe(512);
    // sqrt(512 * 4096) = 1448.2
    expect(pick(1448)).toBe(512);
    expect(pick(1449)).toBe(4096);
  });

  it("takes the smallest below the range and the largest above it; a size below 1 counts as 1", () => {
    expect(pick(1)).toBe(128);
    expect(pick(0)).toBe(128);
    expect(pick(-5)).toBe(128);
    expect(pick(1 << 30)).toBe(4096);
  });

  it("has no entry to give when the device has none", () => {
    expect(selectEntry([], { N: 100 }, ["N"])).toBeNull();
  });

  it("sums the distance over every size variable, and breaks ties by total size, then variable by variable", () => {
    const grid = [{ size: { M: 64, N: 64 } }, { size: { M: 64, N: 256 } }, { size: { M: 256, N: 64 } }, { size: { M: 256, N: 256 } }].sort((a, b) => compareSizes(a.size, b.size, ["M", "N"]));
    expect(grid.map((g) => `${g.size.M}x${g.size.N}`)).toEqual(["64x64", "64x256", "256x64", "256x256"]);
    const choose = (size: ProblemSize) => selectEntry(grid, size, ["M", "N"])!.size;
    expect(choose({ M: 64, N: 256 })).toEqual({ M: 64, N: 256 });
    // M exact, N nearer 256 (1.28x) than 64 (3.1x).
    expect(choose({ M: 64, N: 200 })).toEqual({ M: 64, N: 256 });
    // Each variable 2x from both of its values: all four tie, the largest wins.
    expect(choose({ M: 128, N: 128 })).toEqual({ M: 256, N: 256 });
    const corners = grid.slice(0, 3);
    // Without the largest: 64x256 and 256x64 tie in total size too, so M decides.
    expect(selectEntry(corners, { M: 128, N: 128 }, ["M", "N"])!.size).toEqual({ M: 256, N: 64 });
    // 1.5x * 1.56x from 64x64 beats 1.5x * 2.56x and 2.67x * 1.56x.
    expect(selectEntry(corners, { M: 96, N: 100 }, ["M", "N"])!.size).toEqual({ M: 64, N: 64 });
  });
});

describe("the per-size table", () => {
  const large = campaign("c-large", { N: 4096 }, [
    ["xeon", accepted("xeon", { TILE: 32, ORDER: "ji" }, 9.5, { evidence: "proved" })],
    ["epyc", null],
  ]);
  const small = campaign("c-small", { N: 128 }, [
    ["xeon", accepted("xeon", { TILE: 8, ORDER: "ij" }, 0.2)],
    ["epyc", accepted("epyc", { TILE: 16, ORDER: "ij" }, 0.3)],
  ]);
  const table = sizedDispatch({ specName: "stencil", sizeVariables: ["N"], campaigns: [large, small], generatedAt: "2026-01-01T00:00:00.000Z" });

  it("lists each device's entries sorted by size, with params, hash, median, interval and evidence", () => {
    expect(table.devices.xeon!.map((e) => e.size)).toEqual([{ N: 128 }, { N: 4096 }]);
    expect(table.devices.xeon![1]).toMatchObject({ size: { N: 4096 }, campaign: "c-large", params: { TILE: 32, ORDER: "ji" }, medianMs: 9.5, evidence: "proved" });
    expect(table.devices.xeon![1]!.ci95Ms).toEqual([9.5 * 0.99, 9.5 * 1.01]);
    expect(table.devices.epyc!.map((e) => e.size)).toEqual([{ N: 128 }]);
    expect(table.campaigns.map((c) => c.id)).toEqual(["c-small", "c-large"]);
  });

  it("says which sizes a device was left out at, and why", () => {
    expect(table.excluded).toEqual({ epyc: [{ size: { N: 4096 }, campaign: "c-large", reason: "no variant was accepted by the critic" }] });
  });

  it("carries the rule in the JSON and in the header, with the select function", () => {
    expect(table.rule).toBe(SELECTION_RULE);
    const header = sizedDispatchHeader(table);
    expect(header).toContain(`Rule: ${SELECTION_RULE}`);
    expect(header).toContain("static inline const stencil_dispatch_entry *stencil_dispatch_select(const char *ns_device, long N) {");
    expect(header).toContain('{ "xeon", 128, 8, "ij", 0.2 },');
    expect(header).toContain("/* epyc at N=4096: left out (no variant was accepted by the critic). */");
  });

  it("names a rewritten source after its device and size, so sizes never overwrite each other", () => {
    const rewrite = accepted("xeon", { TILE: 8, ORDER: "ij" }, 0.1, { origin: "model", variantHash: "feedfacefeedface" });
    const t = sizedDispatch({ specName: "stencil", sizeVariables: ["N"], campaigns: [campaign("c-r", { N: 64 }, [["xeon", rewrite]], new Map([["feedfacefeedface", "/* rewrite */"]]))] });
    expect(t.devices.xeon![0]!.sourceFile).toBe("stencil_xeon_N64.c");
  });

  it("refuses two campaigns at the same size and campaigns of other specs, in one line", () => {
    const twin = campaign("c-twin", { N: 128 }, [["xeon", accepted("xeon", { TILE: 8, ORDER: "ij" }, 0.2)]]);
    expect(() => sizedDispatch({ specName: "stencil", sizeVariables: ["N"], campaigns: [small, twin] })).toThrow("dispatch: expected campaigns at distinct sizes, received c-small and c-twin both at N=128");
    expect(() => sizedDispatch({ specName: "other", sizeVariables: ["N"], campaigns: [small] })).toThrow("dispatch: expected campaigns of the spec other, received c-small of stencil");
  });
});
