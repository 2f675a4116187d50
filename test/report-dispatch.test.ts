import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceMacro, writeDispatch, type DispatchInput } from "../results/dispatch.ts";
import type { AcceptedVariant } from "../results/summary.ts";
import type { Params } from "../specs/schema.ts";
import { acceptedVariant } from "./support/accepted-variant.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-dispatch-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verified = (device: string, params: Params, medianMs: number, replayed = false): AcceptedVariant => acceptedVariant(device, params, medianMs, { replayed });

const input = (best: AcceptedVariant[]): DispatchInput => ({
  specName: "matmul",
  specId: "matmul-0123456789ab",
  language: "c",
  campaignId: "c-0badcafe",
  parameters: [
    { name: "TILE", values: [8, 32, 64] },
    { name: "LOOP_ORDER", values: ["ijk", "ikj", "kij"] },
    { name: "SCALE", values: [1, 1.5, 2] },
  ],
  best: new Map(best.map((b) => [b.device, b])),
  sources: new Map(),
});

/** Compiles a program that prints what the header selected and what its table holds, and runs it. */
function useHeader(outDir: string, defines: string[]): string {
  const program = join(outDir, "main.c");
  writeFileSync(
    program,
    `#include <stdio.h>
#define STR2(x) #x
#define STR(x) STR2(x)
#include "matmul_dispatch.h"
int main(void) {
#ifdef LOOP_ORDER
  printf("selected TILE=%d LOOP_ORDER=%s SCALE=%g\\n", TILE, STR(LOOP_ORDER), (double)SCALE);
#endif
  for (const matmul_dispatch_entry *e = matmul_dispatch_table; e->device; e++)
    printf("%s TILE=%ld LOOP_ORDER=%s SCALE=%g\\n", e->device, e->tuned_TILE, e->tuned_LOOP_ORDER, e->tuned_SCALE);
  printf("count=%d\\n", MATMUL_DISPATCH_COUNT);
  return 0;
}
`,
  );
  execFileSync("gcc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", outDir, ...defines, program, "-o", join(outDir, "main")]);
  return execFileSync(join(outDir, "main"), { encoding: "utf8" });
}

describe("dispatch header", () => {
  it("carries string and fractional parameter values, for device names with dots and dashes", () => {
    const out = join(dir, "mixed");
    writeDispatch(out, input([verified("xeon-8480.lab", { TILE: 64, LOOP_ORDER: "ikj", SCALE: 1.5 }, 3.2), verified("epyc", { TILE: 32, LOOP_ORDER: "kij", SCALE: 2 }, 4.1)]));
    expect(deviceMacro("xeon-8480.lab")).toBe("NIGHTSHIFT_DEVICE_XEON_8480_LAB");
    const output = useHeader(out, ["-DNIGHTSHIFT_DEVICE_XEON_8480_LAB"]);
    expect(output).toContain("selected TILE=64 LOOP_ORDER=ikj SCALE=1.5");
    expect(output).toContain("xeon-8480.lab TILE=64 LOOP_ORDER=ikj SCALE=1.5");
    expect(output).toContain("epyc TILE=32 LOOP_ORDER=kij SCALE=2");
    expect(output).toContain("count=2");
  });

  it("keeps the same table fields, and compiles, when no device has a verified variant", () => {
    const out = join(dir, "empty");
    writeDispatch(out, input([verified("replayed-gpu", { TILE: 8, LOOP_ORDER: "ijk", SCALE: 1 }, 1, true)]));
    expect(useHeader(out, [])).toBe("count=0\n");
  });

  it("says in the header that every entry is the variant the critic accepted", () => {
    const out = join(dir, "comment");
    writeDispatch(out, input([verified("epyc", { TILE: 32, LOOP_ORDER: "kij", SCALE: 2 }, 4.1)]));
    expect(readFileSync(join(out, "matmul_dispatch.h"), "utf8")).toContain("Every entry is the variant the critic accepted (verified and confirmed against the incumbent)");
  });

  it("fails in one line naming the folder when --out is a file, not a stack trace", () => {
    const file = join(dir, "not-a-folder");
    writeFileSync(file, "x");
    expect(() => writeDispatch(file, input([]))).toThrow(`--out: expected a writable folder, received ${JSON.stringify(file)} (a file, not a folder, is at that path)`);
    expect(() => writeDispatch(join(file, "below"), input([]))).toThrow(/--out: expected a writable folder, received .*not-a-folder\/below" \(a file is in the way/);
  });

  it("refuses device names that would share a macro", () => {
    expect(() => writeDispatch(join(dir, "clash"), input([verified("gpu-1", { TILE: 1, LOOP_ORDER: "ijk", SCALE: 1 }, 1), verified("gpu.1", { TILE: 1, LOOP_ORDER: "ijk", SCALE: 1 }, 1)]))).toThrow(
      /"gpu-1" and "gpu\.1"/,
    );
  });
});
