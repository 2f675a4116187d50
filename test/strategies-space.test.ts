import { describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { spaceFromParameters, spaceFromSpec } from "../spaces/search-space.ts";
import type { KernelSpec } from "../specs/schema.ts";

describe("search spaces", () => {
  it("enumerates exactly the cross product filtered by the restrictions, in parameter order", () => {
    const params = [
      { name: "bx", values: [16, 32, 64, 128] },
      { name: "by", values: [1, 2, 4, 8] },
      { name: "tile", values: [1, 2, 3] },
    ];
    const restrictions = ["32 <= bx * by <= 256", "tile == 1 or bx >= 32", "not (bx == 128 and tile == 3)"];
    const space = spaceFromParameters(params, restrictions);
    const expected: string[] = [];
    for (const bx of [16, 32, 64, 128]) {
      for (const by of [1, 2, 4, 8]) {
        for (const tile of [1, 2, 3]) {
          if (32 <= bx * by && bx * by <= 256 && (tile === 1 || bx >= 32) && !(bx === 128 && tile === 3)) expected.push(`${bx},${by},${tile}`);
        }
      }
    }
    expect(space.validConfigs().map((c) => space.key(c))).toEqual(expected);
    expect(space.validConfigs()).toBe(space.validConfigs());
    expect(space.isValid({ bx: 16, by: 2, tile: 1 })).toBe(true);
    expect(space.isValid({ bx: 16, by: 1, tile: 1 })).toBe(false);
    expect(space.isValid({ bx: 24, by: 2, tile: 1 })).toBe(false);
  });

  it("binds the problem size of a spec so restrictions may read it", () => {
    const spec = {
      parameters: { BLOCK: [32, 64, 128, 256], UNROLL: [1, 2, 4] },
      restrictions: ["BLOCK * UNROLL <= N"],
      tuneRestrictions: [],
      problem: { tune: { N: 256 }, verify: [] },
    } as unknown as KernelSpec;
    const space = spaceFromSpec(spec);
    expect(space.validConfigs().map((c) => space.key(c))).toEqual(["32,1", "32,2", "32,4", "64,1", "64,2", "64,4", "128,1", "128,2", "256,1"]);
  });

  it("rejects a restriction naming an unknown variable, listing the known ones", () => {
    try {
      spaceFromParameters([{ name: "x", values: [1, 2] }], ["x < y"]);
      expect.unreachable();
    } catch (error) {
      expect(isNightshiftError(error) && error.code).toBe("EXPR_INVALID");
      expect((error as Error).message).toMatch(/expected variables from \{x\}, received unknown "y"/);
    }
  });
});
