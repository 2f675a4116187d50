import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { MIGRATIONS } from "../results/schema.ts";
import { defaultDbPath, openStore } from "../results/store.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { SPEC_JSON, compileError, configFor, cpuProfile, okResult, rejected, variantOf, writeSpecFolder } from "./store-fixtures.ts";

let dir: string;
let spec: KernelSpec;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-store-"));
  spec = writeSpecFolder(join(dir, "vadd"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Makes a database as an older nightshift left it: the tables later migrations created are dropped. */
function rollBackTo(raw: Database.Database, version: number): void {
  for (const m of MIGRATIONS.filter((m) => m.version > version)) {
    for (const [, table] of m.sql.matchAll(/CREATE TABLE (\w+) \(/g)) if (!table!.startsWith("campaigns")) raw.exec(`DROP TABLE ${table}`);
  }
  raw.exec(`DELETE FROM schema_version WHERE version > ${version}`);
}

function storeError(action: () => unknown): NightshiftError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(NightshiftError);
    return error as NightshiftError;
  }
  throw new Error("expected the action to throw");
}

describe("openStore", () => {
  it("keeps campaigns, variants, evaluations, ledger and model calls after close and reopen", () => {
    const path = join(dir, "nested", "nightshift.db");
    const store = openStore(path);
    const campaign = store.createCampaign(configFor(spec, ["cpu-a"]), [cpuProfile("cpu-a")]);
    const base = variantOf(spec, {});
    const fast = variantOf(spec, { UNROLL: 4 });
    const ok = store.appendEvaluation(campaign.id, base, okResult(base, "cpu-a", [2, 2.1, 1.9, 2.05, 2]), "explore");
    store.appendEvaluation(campaign.id, fast, compileError(fast, "cpu-a"), "explore");
    store.appendLedger(campaign.id, { status: "compile_error", pattern: { UNROLL: 4 }, message: "syntax", variantHash: fast.hash, device: "cpu-a", occurrences: 1 });
    store.appendModelCall({ campaignId: campaign.id, role: "planner", model: "m", tokensIn: 10, tokensOut: 5, latencyMs: 30, costUsd: 0.01, ok: true });
    store.setCampaignState(campaign.id, "finished", "budget");
    store.close();

    const again = openStore(path);
    const back = again.getCampaign(campaign.id)!;
    expect(back.state).toBe("finished");
    expect(back.stopReason).toBe("budget");
    expect(back.config).toEqual(configFor(spec, ["cpu-a"]));
    expect(again.campaignProfiles(campaign.id)[0]!.cpu!.peakBandwidthGBs).toBe(20);
    const evals = again.evaluations(campaign.id);
    expect(evals.map((e) => e.status)).toEqual(["ok", "compile_error"]);
    expect(evals[0]).toEqual({ ...ok, createdAt: evals[0]!.createdAt });
    expect(evals[0]!.result.status === "ok" && evals[0]!.result.samplesMs).toEqual([2, 2.1, 1.9, 2.05, 2]);
    expect(again.getVariant(fast.hash)!.source).toBe(fast.source);
    expect(again.ledger(campaign.id)).toHaveLength(1);
    expect(again.modelCalls(campaign.id)[0]!.costUsd).toBe(0.01);
    again.close();
  });

  it("lets a second connection read each evaluation as soon as it is appended", () => {
    const path = join(dir, "shared.db");
    const writer = openStore(path);
    const reader = openStore(path);
    const campaign = writer.createCampaign(configFor(spec, ["cpu-a"]), []);
    const v = variantOf(spec, { UNROLL: 2 });
    for (let i = 1; i <= 3; i++) {
      writer.appendEvaluation(campaign.id, v, okResult(v, "cpu-a", [i, i, i]), i === 1 ? "explore" : "confirm");
      expect(reader.evaluations(campaign.id)).toHaveLength(i);
    }
    // Reads after the first come from the reader's cache plus the rows appended since; filters still apply.
    expect(reader.evaluations(campaign.id, { purpose: "confirm" }).map((e) => e.result.status === "ok" && e.result.samplesMs[0])).toEqual([2, 3]);
    expect(reader.evaluations(campaign.id, { device: "cpu-b" })).toEqual([]);
    // Cached records are shared between callers, so changing one is refused.
    expect(() => {
      (reader.evaluations(campaign.id)[0]!.result as { status: string }).status = "wrong_result";
    }).toThrow(TypeError);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    writer.close();
    reader.close();
  });

  it("records the critic's accepted incumbents in order", () => {
    const store = openStore(join(dir, "s.db"));
    const campaign = store.createCampaign(configFor(spec, ["cpu-a"]), []);
    const base = variantOf(spec, {});
    const fast = variantOf(spec, { UNROLL: 4 });
    store.appendEvaluation(campaign.id, base, okResult(base, "cpu-a", [4, 4, 4]), "explore");
    store.appendEvaluation(campaign.id, fast, okResult(fast, "cpu-a", [2, 2, 2]), "explore");
    store.appendIncumbent(campaign.id, { device: "cpu-a", variantHash: base.hash, params: base.params, family: "template", medianMs: 4, ci95Ms: [4, 4] }, "baseline");
    store.appendIncumbent(campaign.id, { device: "cpu-a", variantHash: fast.hash, params: fast.params, family: "template", medianMs: 2, ci95Ms: [1.9, 2.1] }, "2x faster");
    expect(store.incumbents(campaign.id).map((a) => [a.incumbent.variantHash, a.verdict])).toEqual([
      [base.hash, "baseline"],
      [fast.hash, "2x faster"],
    ]);
    store.close();
  });

  it("upgrades a database written before the latest migration and keeps its rows", () => {
    const path = join(dir, "old.db");
    const store = openStore(path);
    const campaign = store.createCampaign(configFor(spec, ["cpu-a"]), []);
    store.close();
    // Turn it back into a version-1 database: the tables later migrations created did not exist then.
    const raw = new Database(path);
    rollBackTo(raw, 1);
    raw.close();
    const upgraded = openStore(path);
    expect(upgraded.getCampaign(campaign.id)).not.toBeNull();
    expect(upgraded.incumbents(campaign.id)).toEqual([]);
    expect(upgraded.variantIdea("0123456789abcdef")).toBeNull();
    upgraded.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT version FROM schema_version ORDER BY version").all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    check.close();
  });

  it("lets a campaign written by a version-3 store say device_down once migrated, keeping its evaluations", () => {
    const path = join(dir, "v3.db");
    const store = openStore(path);
    const campaign = store.createCampaign(configFor(spec, ["cpu-a"]), []);
    const variant = variantOf(spec, { UNROLL: 2 });
    store.appendEvaluation(campaign.id, variant, okResult(variant, "cpu-a", [1, 1.1, 1.2]), "explore");
    store.close();
    // Back to the version-3 table, whose CHECK did not allow device_down.
    const raw = new Database(path);
    const oldSql = (raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'campaigns'").get() as { sql: string }).sql.replace(", 'device_down'", "");
    raw.pragma("foreign_keys = OFF");
    raw.exec(`${oldSql.replace(/^CREATE TABLE "?campaigns"?/, "CREATE TABLE campaigns_v3")}; INSERT INTO campaigns_v3 SELECT * FROM campaigns; DROP TABLE campaigns; ALTER TABLE campaigns_v3 RENAME TO campaigns`);
    rollBackTo(raw, 3);
    expect(() => raw.prepare("UPDATE campaigns SET stop_reason = 'device_down'").run()).toThrow(/CHECK constraint/);
    raw.close();

    const upgraded = openStore(path);
    upgraded.setCampaignState(campaign.id, "running", "device_down");
    expect(upgraded.getCampaign(campaign.id)).toMatchObject({ state: "running", stopReason: "device_down" });
    expect(upgraded.evaluations(campaign.id).map((e) => e.variantHash)).toEqual([variant.hash]);
    upgraded.close();
  });

  it("gives campaigns short unique ids", () => {
    const store = openStore(join(dir, "s.db"));
    const ids = Array.from({ length: 50 }, () => store.createCampaign(configFor(spec, ["d"]), []).id);
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^c-[0-9a-f]{8}$/);
    expect(store.listCampaigns().map((c) => c.id)).toEqual(ids);
    store.close();
  });

  it("refuses a file that is not a database with STORE_ERROR", () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "these are my notes, not a database\n".repeat(200));
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STORE_ERROR");
    expect(error.message).toContain("notes.txt");
  });

  it("refuses a SQLite database of another application", () => {
    const path = join(dir, "other.db");
    const other = new Database(path);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
    other.close();
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STORE_ERROR");
    expect(error.message).toContain("another application");
    expect(error.message).toContain("customers");
  });

  it("refuses a directory with STORE_ERROR", () => {
    const path = join(dir, "a-folder");
    mkdirSync(path);
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STORE_ERROR");
    expect(error.message).toContain("directory");
  });

  it("refuses to create a database when told it must exist", () => {
    const error = storeError(() => openStore(join(dir, "missing.db"), { mustExist: true }));
    expect(error.code).toBe("STORE_ERROR");
  });

  it("refuses a database written by a newer schema", () => {
    const path = join(dir, "future.db");
    openStore(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', 'x')").run();
    raw.close();
    expect(storeError(() => openStore(path)).message).toContain("newer nightshift");
  });

  it("stores a variant once however often it is put or evaluated", () => {
    const store = openStore(join(dir, "s.db"));
    const campaign = store.createCampaign(configFor(spec, ["d"]), []);
    const v = variantOf(spec, { BLOCK: 32 });
    store.putVariant(v);
    store.putVariant(v);
    store.appendEvaluation(campaign.id, v, okResult(v, "d", [1, 1, 1]), "explore");
    store.appendEvaluation(campaign.id, v, okResult(v, "d", [1.1, 1, 1]), "confirm");
    expect(store.getVariant(v.hash)!.params).toEqual({ UNROLL: 1, BLOCK: 32 });
    expect(store.evaluations(campaign.id, { purpose: "confirm" })).toHaveLength(1);
    store.close();
  });

  it("keeps the first idea recorded for a variant and refuses one for a variant it does not hold", () => {
    const store = openStore(join(dir, "ideas.db"));
    const v = variantOf(spec, { BLOCK: 64 });
    store.putVariant(v);
    store.putVariantIdea(v.hash, "tile the loop");
    store.putVariantIdea(v.hash, "something else");
    expect(store.variantIdea(v.hash)).toBe("tile the loop");
    expect(() => store.putVariantIdea("ffffffffffffffff", "orphan")).toThrow(/could not record a variant's idea .*FOREIGN KEY/);
    store.close();
  });

  it("forbids changing or deleting evaluations, even with raw SQL", () => {
    const path = join(dir, "s.db");
    const store = openStore(path);
    const campaign = store.createCampaign(configFor(spec, ["d"]), []);
    const v = variantOf(spec, {});
    store.appendEvaluation(campaign.id, v, okResult(v, "d", [1, 2, 3]), "explore");
    store.close();
    const raw = new Database(path);
    expect(() => raw.prepare("UPDATE evaluations SET median_ms = 0.001").run()).toThrow(/append-only/);
    expect(() => raw.prepare("DELETE FROM evaluations").run()).toThrow(/append-only/);
    raw.close();
  });

  it("names the unknown campaign when appending to it", () => {
    const store = openStore(join(dir, "s.db"));
    const v = variantOf(spec, {});
    const error = storeError(() => store.appendEvaluation("c-00000000", v, okResult(v, "d", [1]), "explore"));
    expect(error.code).toBe("CAMPAIGN_NOT_FOUND");
    expect(error.message).toContain("c-00000000");
    store.close();
  });

  it("filters evaluations by device and finds a spec's evaluations across campaigns", () => {
    const store = openStore(join(dir, "s.db"));
    const first = store.createCampaign(configFor(spec, ["cpu-a", "cpu-b"]), []);
    const second = store.createCampaign(configFor(spec, ["cpu-c"]), []);
    const otherSpec = writeSpecFolder(join(dir, "other"), { ...SPEC_JSON, name: "vscale" });
    const third = store.createCampaign(configFor(otherSpec, ["cpu-a"]), []);
    const scaled = variantOf(otherSpec, {});
    store.appendEvaluation(third.id, scaled, okResult(scaled, "cpu-a", [1, 1, 1]), "explore");
    const v1 = variantOf(spec, { UNROLL: 2 });
    const v2 = variantOf(spec, { UNROLL: 8, BLOCK: 32 });
    store.appendEvaluation(first.id, v1, okResult(v1, "cpu-a", [3, 3, 3]), "explore");
    store.appendEvaluation(first.id, v2, rejected(v2, "cpu-b"), "explore");
    store.appendEvaluation(second.id, v1, okResult(v1, "cpu-c", [5, 5, 5]), "explore");
    expect(store.evaluations(first.id, { device: "cpu-b" }).map((e) => e.status)).toEqual(["rejected"]);
    expect(store.evaluationsOfSpec("vadd").map((e) => [e.campaignId, e.device])).toEqual([
      [first.id, "cpu-a"],
      [first.id, "cpu-b"],
      [second.id, "cpu-c"],
    ]);
    expect(store.evaluationsOfSpec("vscale").map((e) => e.campaignId)).toEqual([third.id]);
    store.close();
  });
});

describe("defaultDbPath", () => {
  it("honours NIGHTSHIFT_DB and otherwise uses .nightshift/nightshift.db under the working directory", () => {
    expect(defaultDbPath({ NIGHTSHIFT_DB: "/data/runs.db" }, "/home/me")).toBe("/data/runs.db");
    expect(defaultDbPath({ NIGHTSHIFT_DB: "rel.db" }, "/home/me")).toBe("/home/me/rel.db");
    expect(defaultDbPath({}, "/home/me")).toBe("/home/me/.nightshift/nightshift.db");
  });
});
