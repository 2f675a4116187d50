// The per-size dispatch of a stored size group, compiled: a C program includes the header and asks
// <spec>_dispatch_select for sizes tuned exactly, between buckets, below and above them, and for an unknown
// device; what it prints is what a build would get. The same sizes through the TypeScript rule must agree.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sizeGroup, writeCampaignsDispatch } from "../results/dispatch-campaigns.ts";
import { selectEntry, type SizedDispatch } from "../results/dispatch-sizes.ts";
import { openStore } from "../results/store.ts";
import type { Store } from "../results/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import { specAtTuneSize } from "../specs/tune-size.ts";
import { around, incumbent } from "./report-fixtures.ts";
import { configFor, cpuProfile, okResult, SPEC_JSON, variantOf, writeSpecFolder } from "./store-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "nightshift-dispatch-sizes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let store: Store;
let spec: KernelSpec;
const ids: string[] = [];

/** One campaign of the group at size N: per device the baseline, then `winner` accepted (or nothing accepted). */
function campaignAt(n: number, winners: Record<string, Params | null>): string {
  const sized = specAtTuneSize(spec, { N: n });
  const devices = Object.keys(winners);
  const config = configFor(sized, devices);
  const id = store.createCampaign({ ...config, options: { tuneSize: { N: n }, ...(ids[0] ? { sizeGroup: ids[0] } : {}) } }, devices.map(cpuProfile)).id;
  const base = variantOf(sized, {});
  for (const [device, params] of Object.entries(winners)) {
    const ms = n / 1000;
    store.appendEvaluation(id, base, okResult(base, device, around(ms)), "explore");
    if (params === null) continue;
    const v = variantOf(sized, params);
    store.appendEvaluation(id, v, okResult(v, device, around(ms / 2)), "explore");
    store.appendIncumbent(id, incumbent(device, base, ms, [ms * 0.99, ms * 1.01]), "first verified variant (the baseline)");
    store.appendIncumbent(id, { ...incumbent(device, v, ms / 2, [ms * 0.49, ms * 0.51]), evidence: "sanitized" }, `accepted ${v.hash} after interleaved confirmation: 2x faster`);
  }
  ids.push(id);
  return id;
}

beforeAll(() => {
  spec = writeSpecFolder(join(dir, "vadd"));
  store = openStore(join(dir, "sizes.db"));
  campaignAt(1024, { "cpu-a": { UNROLL: 2, BLOCK: 16 }, "cpu-b": { UNROLL: 2, BLOCK: 64 } });
  campaignAt(16384, { "cpu-a": { UNROLL: 4, BLOCK: 32 }, "cpu-b": null });
  campaignAt(262144, { "cpu-a": { UNROLL: 8, BLOCK: 32 } });
  // Another spec's campaign in the same store is no part of the group.
  const other = writeSpecFolder(join(dir, "other"), { ...SPEC_JSON, name: "vadd2" });
  store.createCampaign(configFor(other, ["cpu-a"]), [cpuProfile("cpu-a")]);
});
afterAll(() => store?.close());

const REQUESTS: Array<[string, number]> = [
  ["cpu-a", 16384], // exact
  ["cpu-a", 2000], // 1.95x from 1024, 8.2x from 16384
  ["cpu-a", 4096], // 4x from both: the larger
  ["cpu-a", 100000], // 6.1x from 16384, 2.6x from 262144
  ["cpu-a", 1], // below the smallest
  ["cpu-a", 0], // counts as 1
  ["cpu-a", 100000000], // above the largest
  ["cpu-b", 262144], // cpu-b has only N=1024
  ["gpu-z", 1024], // unknown device
];

function compileAndRun(out: string, requests: Array<[string, number]>): string[] {
  const calls = requests.map(([device, n]) => `  show("${device}", ${n}L);`).join("\n");
  const program = join(out, "main.c");
  writeFileSync(
    program,
    `#include <stdio.h>
#include "vadd_dispatch.h"
static void show(const char *device, long n) {
  const vadd_dispatch_entry *e = vadd_dispatch_select(device, n);
  if (e == NULL) printf("%s %ld -> none\\n", device, n);
  else printf("%s %ld -> N=%ld UNROLL=%ld BLOCK=%ld\\n", device, n, e->size_N, e->tuned_UNROLL, e->tuned_BLOCK);
}
int main(void) {
${calls}
  printf("count=%d\\n", VADD_DISPATCH_COUNT);
  return 0;
}
`,
  );
  // No -lm: the rule needs no libm.
  execFileSync("gcc", ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", out, program, "-o", join(out, "main")]);
  return execFileSync(join(out, "main"), { encoding: "utf8" }).trimEnd().split("\n");
}

describe("the per-size dispatch of a size group, compiled into a program", () => {
  let out: string;
  let table: SizedDispatch;
  beforeAll(() => {
    out = join(dir, "dispatch");
    // Any member names the group.
    const group = sizeGroup(store, ids[1]!);
    expect(group).toEqual(ids);
    const files = writeCampaignsDispatch(store, group, out);
    table = JSON.parse(readFileSync(files.jsonPath, "utf8")) as SizedDispatch;
  });

  it("selects exact, nearest and larger-on-tie entries, the ends beyond the range, and nothing for an unknown device", () => {
    expect(compileAndRun(out, REQUESTS)).toEqual([
      "cpu-a 16384 -> N=16384 UNROLL=4 BLOCK=32",
      "cpu-a 2000 -> N=1024 UNROLL=2 BLOCK=16",
      "cpu-a 4096 -> N=16384 UNROLL=4 BLOCK=32",
      "cpu-a 100000 -> N=262144 UNROLL=8 BLOCK=32",
      "cpu-a 1 -> N=1024 UNROLL=2 BLOCK=16",
      "cpu-a 0 -> N=1024 UNROLL=2 BLOCK=16",
      "cpu-a 100000000 -> N=262144 UNROLL=8 BLOCK=32",
      "cpu-b 262144 -> N=1024 UNROLL=2 BLOCK=64",
      "gpu-z 1024 -> none",
      "count=4",
    ]);
  });

  it("chooses as the TypeScript rule does, size after size", () => {
    const sizes = Array.from({ length: 120 }, (_, i) => Math.round(1.17 ** i));
    const printed = compileAndRun(out, sizes.map((n) => ["cpu-a", n]));
    const expected = sizes.map((n) => {
      const e = selectEntry(table.devices["cpu-a"]!, { N: n }, ["N"])!;
      return `cpu-a ${n} -> N=${e.size.N} UNROLL=${e.params.UNROLL} BLOCK=${e.params.BLOCK}`;
    });
    expect(printed.slice(0, -1)).toEqual(expected);
  });

  it("writes the JSON per device and size, with the rule and the evidence, and the sizes a device was left out at", () => {
    expect(table.sizeVariables).toEqual(["N"]);
    expect(table.rule).toMatch(/^exact match on every size variable; else the tuned size nearest by the sum over size variables of \|ln\(requested \/ tuned\)\|/);
    expect(table.devices["cpu-a"]!.map((e) => [e.size.N, e.params])).toEqual([
      [1024, { UNROLL: 2, BLOCK: 16 }],
      [16384, { UNROLL: 4, BLOCK: 32 }],
      [262144, { UNROLL: 8, BLOCK: 32 }],
    ]);
    expect(table.devices["cpu-a"]![0]).toMatchObject({ campaign: ids[0], evidence: "sanitized", medianMs: 0.512, ci95Ms: [1.024 * 0.49, 1.024 * 0.51] });
    expect(table.devices["cpu-a"]![0]!.variantHash).toMatch(/^[0-9a-f]{16}$/);
    expect(table.excluded).toEqual({ "cpu-b": [{ size: { N: 16384 }, campaign: ids[1], reason: "no variant was accepted by the critic" }] });
    expect(table.campaigns.map((c) => c.specId)).toEqual([`${spec.id}@N=1024`, `${spec.id}@N=16384`, `${spec.id}@N=262144`]);
  });

  it("gives the same parameters different variant hashes at different sizes", () => {
    const hashes = [1024, 16384].map((n) => variantOf(specAtTuneSize(spec, { N: n }), { UNROLL: 2, BLOCK: 16 }).hash);
    expect(new Set(hashes).size).toBe(2);
  });

  it("refuses campaigns of different specs in one line", () => {
    const other = store.listCampaigns().find((c) => c.config.specName === "vadd2")!.id;
    expect(() => writeCampaignsDispatch(store, [ids[0]!, other], join(dir, "mixed"))).toThrow(`dispatch: expected campaigns of one spec, received ${ids[0]} (vadd) and ${other} (vadd2)`);
  });
});
