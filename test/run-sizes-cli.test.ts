// `nightshift run --sizes` as a user runs it: one real campaign per size on this machine (tiny budgets), one
// size group in the store, and a per-size dispatch header that compiles and picks by size. A campaign created
// at a size and run later (the daemon's way: create, then resume) runs at that size.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaign, resumeCampaign } from "../graphs/run-campaign.ts";
import type { SizedDispatch } from "../results/dispatch-sizes.ts";
import { openStore } from "../results/store.ts";
import { loadSpec } from "../specs/load.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-run-sizes-"));
const db = join(dir, "sizes.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nightshift = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" } });

interface GroupLine {
  sizeGroup: string;
  campaigns: string[];
  dispatch: { header: string; json: string; sources: string[] };
}

describe("nightshift run --sizes", () => {
  let outcomes: Array<{ campaignId: string; devices: Array<{ device: string }> }>;
  let group: GroupLine;
  let table: SizedDispatch;

  beforeAll(() => {
    const r = nightshift(["run", SPEC, "--sizes", "N=4096", "N=16384", "--budget", "2", "--no-proofs", "--db", db, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    // One JSON line per campaign, then one for the group's dispatch files.
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    outcomes = lines.slice(0, 2);
    group = lines[2];
    table = JSON.parse(readFileSync(group.dispatch.json, "utf8")) as SizedDispatch;
  }, 300_000);

  it("runs one campaign per size, recorded as one group named after the first", () => {
    const ids = outcomes.map((o) => o.campaignId);
    expect(group).toMatchObject({ sizeGroup: ids[0], campaigns: ids });
    expect(group.dispatch.header).toBe(join(dir, `nightshift-dispatch-${ids[0]}`, "fastscale_dispatch.h"));
    const store = openStore(db);
    try {
      const [first, second] = ids.map((id) => store.getCampaign(id)!);
      const specId = loadSpec(SPEC).id;
      expect(first!.config.specId).toBe(`${specId}@N=4096`);
      expect(second!.config.specId).toBe(`${specId}@N=16384`);
      expect(first!.config.options).toMatchObject({ tuneSize: { N: 4096 } });
      expect(first!.config.options?.sizeGroup).toBeUndefined();
      expect(second!.config.options).toMatchObject({ tuneSize: { N: 16384 }, sizeGroup: ids[0] });
      expect(second!.config.budget).toBe(2);
    } finally {
      store.close();
    }
  });

  it("writes a per-size header that compiles and selects by device and size", () => {
    const device = outcomes[0]!.devices[0]!.device;
    const entries = table.devices[device]!;
    expect(entries.map((e) => e.size), JSON.stringify(table).slice(0, 1500)).toEqual([{ N: 4096 }, { N: 16384 }]);
    const program = join(dir, "use.c");
    const requests: Array<[string, number]> = [[device, 4096], [device, 16384], [device, 1], [device, 8192], [device, 1 << 30], ["no-such-device", 4096]];
    writeFileSync(
      program,
      `#include <stdio.h>
#include "fastscale_dispatch.h"
static void show(const char *device, long n) {
  const fastscale_dispatch_entry *e = fastscale_dispatch_select(device, n);
  if (e == NULL) printf("none\\n");
  else printf("N=%ld UNROLL=%ld PASSES=%ld FLAVOR=%s\\n", e->size_N, e->tuned_UNROLL, e->tuned_PASSES, e->tuned_FLAVOR);
}
int main(void) {
${requests.map(([d, n]) => `  show("${d}", ${n}L);`).join("\n")}
  return 0;
}
`,
    );
    execFileSync("gcc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", join(dir, `nightshift-dispatch-${group.sizeGroup}`), program, "-o", join(dir, "use")]);
    const printed = execFileSync(join(dir, "use"), { encoding: "utf8" }).trimEnd().split("\n");
    const line = (i: number) => `N=${entries[i]!.size.N} UNROLL=${entries[i]!.params.UNROLL} PASSES=${entries[i]!.params.PASSES} FLAVOR=${entries[i]!.params.FLAVOR}`;
    // 8192 is 2x from both: the larger.
    expect(printed).toEqual([line(0), line(1), line(0), line(1), line(1), "none"]);
  });

  it("writes the same dispatch again with nightshift dispatch --group, from any campaign of the group", () => {
    const out = join(dir, "again");
    const r = nightshift(["dispatch", "--group", group.campaigns[1]!, "--db", db, "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${join(out, "fastscale_dispatch.h")}\n${join(out, "fastscale_dispatch.json")}\n`);
    const again = JSON.parse(readFileSync(join(out, "fastscale_dispatch.json"), "utf8")) as SizedDispatch;
    expect({ ...again, generatedAt: "" }).toEqual({ ...table, generatedAt: "" });
  });

  it("reports each campaign of the group against the spec at its own size, not as a changed spec", () => {
    const out = join(dir, "report-16384");
    const r = nightshift(["report", group.campaigns[1]!, "--db", db, "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const report = readFileSync(join(out, "fastscale_report.md"), "utf8");
    expect(report).toMatch(/\| Spec \| fastscale \(`fastscale-[0-9a-f]+@N=16384`/);
    expect(report).not.toContain("has changed since");
  });
});

describe("a campaign created at a size and started later", () => {
  it("runs at that size when it is resumed", async () => {
    const dbPath = join(dir, "created.db");
    const created = await createCampaign({ specDir: SPEC, devices: ["local"], budget: 2, tuneSize: { N: 2048 }, proofs: "off" }, { dbPath });
    const outcome = await resumeCampaign(created.id, { dbPath });
    expect(outcome.state).toBe("finished");
    const store = openStore(dbPath);
    try {
      const evaluations = store.evaluations(created.id);
      expect(evaluations.length).toBeGreaterThan(0);
      for (const e of evaluations) expect(store.getVariant(e.variantHash)!.specId).toBe(`${loadSpec(SPEC).id}@N=2048`);
    } finally {
      store.close();
    }
  }, 300_000);
});
