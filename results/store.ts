// The durable store: one SQLite file holding every campaign, variant, evaluation, ledger entry and
// model call. Measurements are appended, never changed; each append is committed before it returns.

import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { describeValue, fail, NightshiftError } from "../core/errors.ts";
import { makeDirectory, systemErrorReason } from "../core/make-dir.ts";
import { describePath, notAFile } from "../core/read-file.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
import type { AcceptedRecord, CampaignConfig, CampaignRecord, CampaignState, EvaluationRecord, Incumbent, LedgerEntry, LibraryResultRecord, ModelCallRecord, ProofRecord, RefusedProposal, StopReason, Store, VariantRecord } from "./types.ts";

/** Where the store lives unless told otherwise: $NIGHTSHIFT_DB, else ./.nightshift/nightshift.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env.NIGHTSHIFT_DB;
  return resolve(cwd, fromEnv !== undefined && fromEnv.trim() !== "" ? fromEnv : ".nightshift/nightshift.db");
}

/** An empty --db or $NIGHTSHIFT_DB would resolve to the current folder. */
function resolveStorePath(path: string): string {
  if (path.trim() === "") fail("STORE_ERROR", "store: expected the path of a database file, received an empty path");
  return resolve(path);
}

export interface OpenStoreOptions {
  /** Refuse to create a new database (for commands that only read, such as reports). */
  mustExist?: boolean;
}

export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const file = resolveStorePath(path);
  if (existsSync(file) && statSync(file).isDirectory()) {
    fail("STORE_ERROR", `store: expected a database file, received the directory ${JSON.stringify(file)}`);
  }
  // A pipe or a device would block SQLite or take its writes (and its -wal file would land beside it).
  const other = existsSync(file) ? notAFile(statSync(file)) : null;
  if (other !== null) fail("STORE_ERROR", `store: expected a database file, received ${describePath(file)}, which is ${other}`);
  if (!existsSync(file)) {
    if (options.mustExist) fail("STORE_ERROR", `store: expected an existing database, received a path with no file: ${JSON.stringify(file)}`);
    const made = makeDirectory(dirname(file));
    if (!made.ok) fail("STORE_ERROR", `store: expected a folder that can hold the database, received ${describePath(dirname(file))} (${made.problem})`);
  }
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    return fail("STORE_ERROR", `store: could not open ${JSON.stringify(file)}: ${sqliteReason(error)}`, error);
  }
  try {
    configure(db);
    migrate(db, file);
  } catch (error) {
    db.close();
    if (error instanceof NightshiftError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
      return fail("STORE_ERROR", `store: expected a nightshift database at ${JSON.stringify(file)}, received a file SQLite cannot use (${(error as Error).message})`, error);
    }
    return fail("STORE_ERROR", `store: could not prepare the database ${JSON.stringify(file)}: ${sqliteReason(error)}`, error);
  }
  return new SqliteStore(db, file);
}

/** What SQLite's error means for the user: a full disk, a read-only file system, a lock, a file it cannot open. */
export function sqliteReason(error: unknown): string {
  const code = String((error as { code?: unknown }).code ?? "");
  const message = (error as Error).message;
  if (code === "SQLITE_FULL") return "no space left on the device";
  if (code.startsWith("SQLITE_READONLY")) return "the database or its file system is read-only";
  if (code.startsWith("SQLITE_CANTOPEN")) return `the file cannot be opened or created (a read-only file system, no permission, or a missing folder) (${message})`;
  if (code.startsWith("SQLITE_IOERR")) return `input/output error (a full disk or a file-size limit) (${message})`;
  if (code === "SQLITE_PERM" || code === "SQLITE_AUTH") return "permission denied";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "another process holds a lock on it";
  const system = (error as NodeJS.ErrnoException).code;
  return typeof system === "string" && !system.startsWith("SQLITE") ? systemErrorReason(error) : message;
}

/**
 * The store of a command that reads one campaign (results, report). No database at the path means the
 * campaign cannot be there, so the error names both the id and the path rather than a missing file.
 */
export function openStoreOfCampaign(path: string, id: string, command: string): Store {
  const file = resolveStorePath(path);
  if (!existsSync(file)) {
    fail("CAMPAIGN_NOT_FOUND", `${command}: expected a campaign id in ${JSON.stringify(file)}, received ${describeValue(id)} (no database at that path yet; --db or $NIGHTSHIFT_DB chooses another)`);
  }
  const store = openStore(file, { mustExist: true });
  if (store.getCampaign(id) === null) {
    const known = store.listCampaigns().map((c) => c.id);
    store.close();
    fail("CAMPAIGN_NOT_FOUND", `${command}: expected a campaign id in ${JSON.stringify(file)}, received ${describeValue(id)} (${known.length > 0 ? `known: ${known.slice(-5).join(", ")}` : "it holds no campaigns"})`);
  }
  return store;
}

function configure(db: Database.Database): void {
  // Reading any page first turns "file is not a database" into an error here, before anything is written.
  db.pragma("schema_version");
  db.pragma("journal_mode = WAL");
  // FULL, not NORMAL: in WAL mode NORMAL survives a crash of the process but can lose the latest commits
  // on power loss or an OS crash. An evaluation costs seconds to minutes of device time and appends come
  // a few per second at most, so one fsync per commit is cheap insurance for a night of measurements.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // A report or status command may read while a campaign writes; wait for the writer instead of failing.
  db.pragma("busy_timeout = 10000");
}

function migrate(db: Database.Database, file: string): void {
  // A migration may rebuild a table that others reference; SQLite's procedure for that is foreign keys off
  // around the transaction and a foreign_key_check before it commits. (The pragma is a no-op inside one.)
  db.pragma("foreign_keys = OFF");
  try {
    migrateLocked(db, file);
  } finally {
    db.pragma("foreign_keys = ON");
  }
}

function migrateLocked(db: Database.Database, file: string): void {
  // IMMEDIATE takes the write lock before looking, so two processes opening a fresh file at once cannot
  // both decide to create the schema; marking the file and creating the schema commit together, so a crash
  // in between never leaves a file that looks like some other application's database.
  db.transaction(() => {
    const appId = db.pragma("application_id", { simple: true }) as number;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    if (appId !== APPLICATION_ID) {
      if (tables.length > 0) {
        fail(
          "STORE_ERROR",
          `store: expected a nightshift database at ${JSON.stringify(file)}, received a SQLite database of another application (tables: ${tables.slice(0, 5).join(", ")})`,
        );
      }
      db.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    } else if (!tables.includes("schema_version")) {
      fail("STORE_ERROR", `store: expected a schema_version table in ${JSON.stringify(file)}, received a nightshift database without one (damaged)`);
    }
    const current = (db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null }).v ?? 0;
    if (current > SCHEMA_VERSION) {
      fail("STORE_ERROR", `store: expected schema version ${SCHEMA_VERSION} or older, received version ${current} (written by a newer nightshift)`);
    }
    const record = db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)");
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, now());
    }
    const broken = db.pragma("foreign_key_check") as unknown[];
    if (broken.length > 0) fail("STORE_ERROR", `store: expected consistent references in ${JSON.stringify(file)} after migrating, received ${broken.length} broken (first: ${JSON.stringify(broken[0])})`);
  }).immediate();
}

function now(): string {
  return new Date().toISOString();
}

function newCampaignId(): string {
  return `c-${randomBytes(4).toString("hex")}`;
}

interface CampaignRow {
  id: string;
  config_json: string;
  state: CampaignState;
  stop_reason: StopReason | null;
  created_at: string;
  updated_at: string;
}

interface EvaluationRow {
  id: number;
  campaign_id: string;
  variant_hash: string;
  device: string;
  purpose: EvaluationRecord["purpose"];
  status: EvalResult["status"];
  median_ms: number | null;
  result_json: string;
  created_at: string;
  params_json: string;
  origin: Variant["origin"];
}

interface LedgerRow {
  device: string;
  variant_hash: string;
  status: LedgerEntry["status"];
  pattern_json: string;
  idea: string | null;
  message: string;
  occurrences: number;
}

interface ModelCallRow {
  campaign_id: string;
  role: ModelCallRecord["role"];
  model: string;
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  cost_usd: number;
  ok: number;
  error: string | null;
  variant_hash: string | null;
}

const EVALUATION_SELECT = `
SELECT e.id, e.campaign_id, e.variant_hash, e.device, e.purpose, e.status, e.median_ms, e.result_json, e.created_at,
       v.params_json, v.origin
FROM evaluations e JOIN variants v ON v.hash = e.variant_hash`;

class SqliteStore implements Store {
  readonly path: string;
  private readonly db: Database.Database;
  private closed = false;
  /**
   * Parsed evaluations per campaign, in id order. Rows are append-only (triggers refuse UPDATE and DELETE) and
   * ids only grow, so extending the cache with the rows after its last id is always exact; without it every
   * node re-read and re-parsed the whole history, and long campaigns slowed down as they went.
   */
  private readonly evaluationCache = new Map<string, { lastId: number; records: EvaluationRecord[] }>();

  constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  createCampaign(config: CampaignConfig, profiles: HardwareProfile[]): CampaignRecord {
    const insert = this.db.prepare(
      `INSERT INTO campaigns (id, spec_id, spec_name, config_json, profiles_json, state, stop_reason, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'running', NULL, ?, ?)`,
    );
    const exists = this.db.prepare("SELECT 1 FROM campaigns WHERE id = ?");
    return this.guard("create a campaign", () => {
      let id = newCampaignId();
      // 32 random bits: collisions are rare but a store can live for years, so check rather than hope.
      while (exists.get(id) !== undefined) id = newCampaignId();
      const at = now();
      insert.run(id, config.specId, config.specName, JSON.stringify(config), JSON.stringify(profiles), at, at);
      return { id, config, state: "running" as const, stopReason: null, createdAt: at, updatedAt: at };
    });
  }

  getCampaign(id: string): CampaignRecord | null {
    const row = this.guard("read a campaign", () => this.db.prepare("SELECT * FROM campaigns WHERE id = ?").get(id) as CampaignRow | undefined);
    return row === undefined ? null : toCampaign(row);
  }

  /** The device profiles as they were when the campaign began (profiles files may change later). */
  campaignProfiles(id: string): HardwareProfile[] {
    const row = this.guard("read a campaign", () => this.db.prepare("SELECT profiles_json FROM campaigns WHERE id = ?").get(id) as { profiles_json: string } | undefined);
    if (row === undefined) fail("CAMPAIGN_NOT_FOUND", `campaign: expected an id in ${JSON.stringify(this.path)}, received ${JSON.stringify(id)}`);
    return JSON.parse(row.profiles_json) as HardwareProfile[];
  }

  listCampaigns(): CampaignRecord[] {
    const rows = this.guard("list campaigns", () => this.db.prepare("SELECT * FROM campaigns ORDER BY created_at, rowid").all() as CampaignRow[]);
    return rows.map(toCampaign);
  }

  setCampaignState(id: string, state: CampaignState, stopReason: StopReason | null): void {
    const changes = this.guard("update a campaign", () =>
      this.db.prepare("UPDATE campaigns SET state = ?, stop_reason = ?, updated_at = ? WHERE id = ?").run(state, stopReason, now(), id).changes,
    );
    if (changes === 0) fail("CAMPAIGN_NOT_FOUND", `campaign: expected an id in ${JSON.stringify(this.path)}, received ${JSON.stringify(id)}`);
  }

  putVariant(variant: Variant): void {
    this.guard("store a variant", () => this.insertVariant(variant));
  }

  private insertVariant(variant: Variant): void {
    this.db
      .prepare(
        `INSERT INTO variants (hash, spec_id, params_json, source, origin, parent_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
      )
      .run(variant.hash, variant.spec.id, JSON.stringify(variant.params), variant.source, variant.origin, variant.parentHash ?? null, now());
  }

  getVariant(hash: string): VariantRecord | null {
    const row = this.guard("read a variant", () => this.db.prepare("SELECT * FROM variants WHERE hash = ?").get(hash)) as
      | { hash: string; spec_id: string; params_json: string; source: string; origin: Variant["origin"]; parent_hash: string | null; created_at: string }
      | undefined;
    if (row === undefined) return null;
    return {
      hash: row.hash,
      specId: row.spec_id,
      params: JSON.parse(row.params_json),
      source: row.source,
      origin: row.origin,
      parentHash: row.parent_hash,
      createdAt: row.created_at,
    };
  }

  putVariantIdea(hash: string, idea: string): void {
    this.guard("record a variant's idea", () =>
      this.db.prepare("INSERT INTO variant_ideas (variant_hash, idea, created_at) VALUES (?, ?, ?) ON CONFLICT (variant_hash) DO NOTHING").run(hash, idea, now()),
    );
  }

  variantIdea(hash: string): string | null {
    const row = this.guard("read a variant's idea", () => this.db.prepare("SELECT idea FROM variant_ideas WHERE variant_hash = ?").get(hash)) as { idea: string } | undefined;
    return row?.idea ?? null;
  }

  appendEvaluation(campaignId: string, variant: Variant, result: EvalResult, purpose: EvaluationRecord["purpose"]): EvaluationRecord {
    if (result.variantHash !== variant.hash) {
      fail("INTERNAL", `appendEvaluation: expected a result for variant ${variant.hash}, received one for ${JSON.stringify(result.variantHash)}`);
    }
    this.requireCampaign(campaignId);
    const medianMs = result.status === "ok" ? result.stats.medianMs : null;
    const insert = this.db.prepare(
      `INSERT INTO evaluations (campaign_id, variant_hash, device, purpose, status, median_ms, result_json, compile_json, started_at, finished_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The variant and its evaluation commit together: a crash never leaves an evaluation without its source.
    const append = this.db.transaction((at: string) => {
      this.insertVariant(variant);
      const compile = result.build ? JSON.stringify(result.build.stats) : null;
      return Number(
        insert.run(campaignId, variant.hash, result.device, purpose, result.status, medianMs, JSON.stringify(result), compile, result.startedAt, result.finishedAt, at)
          .lastInsertRowid,
      );
    });
    const at = now();
    const id = this.guard("append an evaluation", () => append(at));
    return {
      id,
      campaignId,
      variantHash: variant.hash,
      device: result.device,
      params: variant.params,
      origin: variant.origin,
      status: result.status,
      medianMs,
      result,
      purpose,
      createdAt: at,
    };
  }

  evaluations(campaignId: string, filter: { device?: string; purpose?: EvaluationRecord["purpose"] } = {}): EvaluationRecord[] {
    let cached = this.evaluationCache.get(campaignId);
    if (!cached) {
      cached = { lastId: 0, records: [] };
      this.evaluationCache.set(campaignId, cached);
    }
    const since = cached.lastId;
    const rows = this.guard("read evaluations", () =>
      this.db.prepare(`${EVALUATION_SELECT} WHERE e.campaign_id = ? AND e.id > ? ORDER BY e.id`).all(campaignId, since) as EvaluationRow[],
    );
    for (const row of rows) {
      const record = deepFreeze(toEvaluation(row));
      cached.records.push(record);
      cached.lastId = record.id;
    }
    return cached.records.filter((e) => (filter.device === undefined || e.device === filter.device) && (filter.purpose === undefined || e.purpose === filter.purpose));
  }

  evaluationsOfSpec(specName: string): EvaluationRecord[] {
    const rows = this.guard("read evaluations", () =>
      this.db.prepare(`${EVALUATION_SELECT} JOIN campaigns c ON c.id = e.campaign_id WHERE c.spec_name = ? ORDER BY e.id`).all(specName) as EvaluationRow[],
    );
    return rows.map(toEvaluation);
  }

  appendIncumbent(campaignId: string, incumbent: Incumbent, verdict: string): void {
    this.requireCampaign(campaignId);
    this.guard("record an accepted incumbent", () =>
      this.db
        .prepare("INSERT INTO incumbents (campaign_id, device, variant_hash, incumbent_json, verdict, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(campaignId, incumbent.device, incumbent.variantHash, JSON.stringify(incumbent), verdict, now()),
    );
  }

  incumbents(campaignId: string): AcceptedRecord[] {
    const rows = this.guard("read incumbents", () =>
      this.db.prepare("SELECT campaign_id, incumbent_json, verdict, created_at FROM incumbents WHERE campaign_id = ? ORDER BY id").all(campaignId),
    ) as Array<{ campaign_id: string; incumbent_json: string; verdict: string; created_at: string }>;
    return rows.map((r) => ({ campaignId: r.campaign_id, incumbent: JSON.parse(r.incumbent_json) as Incumbent, verdict: r.verdict, createdAt: r.created_at }));
  }

  appendLedger(campaignId: string, entry: LedgerEntry): void {
    this.requireCampaign(campaignId);
    this.guard("append a ledger entry", () =>
      this.db
        .prepare(
          `INSERT INTO ledger (campaign_id, device, variant_hash, status, pattern_json, idea, message, occurrences, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(campaignId, entry.device, entry.variantHash, entry.status, JSON.stringify(entry.pattern), entry.idea ?? null, entry.message, entry.occurrences, now()),
    );
  }

  ledger(campaignId: string): LedgerEntry[] {
    const rows = this.guard("read the ledger", () => this.db.prepare("SELECT * FROM ledger WHERE campaign_id = ? ORDER BY id").all(campaignId) as LedgerRow[]);
    return rows.map((r) => ({
      status: r.status,
      pattern: JSON.parse(r.pattern_json),
      ...(r.idea !== null ? { idea: r.idea } : {}),
      message: r.message,
      variantHash: r.variant_hash,
      device: r.device,
      occurrences: r.occurrences,
    }));
  }

  appendModelCall(call: ModelCallRecord): void {
    this.requireCampaign(call.campaignId);
    this.guard("append a model call", () =>
      this.db
        .prepare(
          `INSERT INTO model_calls (campaign_id, role, model, tokens_in, tokens_out, latency_ms, cost_usd, ok, error, variant_hash, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(call.campaignId, call.role, call.model, call.tokensIn, call.tokensOut, call.latencyMs, call.costUsd, call.ok ? 1 : 0, call.error ?? null, call.variantHash ?? null, now()),
    );
  }

  appendRefusedProposal(refusal: RefusedProposal): void {
    this.requireCampaign(refusal.campaignId);
    this.guard("append a refused proposal", () =>
      this.db
        .prepare("INSERT INTO refused_proposals (campaign_id, device, role, reason, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(refusal.campaignId, refusal.device, refusal.role, refusal.reason, refusal.detail.slice(0, 1000), now()),
    );
  }

  refusedProposals(campaignId: string): RefusedProposal[] {
    const rows = this.guard("read refused proposals", () =>
      this.db.prepare("SELECT campaign_id, device, role, reason, detail FROM refused_proposals WHERE campaign_id = ? ORDER BY id").all(campaignId) as Array<{ campaign_id: string; device: string; role: RefusedProposal["role"]; reason: string; detail: string }>,
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, device: r.device, role: r.role, reason: r.reason, detail: r.detail }));
  }

  appendLibraryResult(campaignId: string, name: string, result: EvalResult): LibraryResultRecord {
    this.requireCampaign(campaignId);
    const medianMs = result.status === "ok" ? result.stats.medianMs : null;
    const createdAt = now();
    this.guard("append a library result", () =>
      this.db
        .prepare("INSERT INTO library_results (campaign_id, device, name, variant_hash, status, median_ms, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(campaignId, result.device, name, result.variantHash, result.status, medianMs, JSON.stringify(result), createdAt),
    );
    return { campaignId, device: result.device, name, variantHash: result.variantHash, status: result.status, medianMs, result, createdAt };
  }

  libraryResults(campaignId: string): LibraryResultRecord[] {
    const rows = this.guard("read library results", () =>
      this.db.prepare("SELECT * FROM library_results WHERE campaign_id = ? ORDER BY id").all(campaignId) as Array<{ campaign_id: string; device: string; name: string; variant_hash: string; status: EvalResult["status"]; median_ms: number | null; result_json: string; created_at: string }>,
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, device: r.device, name: r.name, variantHash: r.variant_hash, status: r.status, medianMs: r.median_ms, result: JSON.parse(r.result_json) as EvalResult, createdAt: r.created_at }));
  }

  appendProof(campaignId: string, variantHash: string, verdict: ProofVerdict): ProofRecord {
    this.requireCampaign(campaignId);
    const createdAt = now();
    this.guard("append a proof", () =>
      this.db
        .prepare("INSERT INTO proofs (campaign_id, variant_hash, status, verdict_json, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(campaignId, variantHash, verdict.status, JSON.stringify(verdict), createdAt),
    );
    return { campaignId, variantHash, verdict, createdAt };
  }

  proofs(campaignId: string): ProofRecord[] {
    const rows = this.guard("read proofs", () =>
      this.db.prepare("SELECT * FROM proofs WHERE campaign_id = ? ORDER BY id").all(campaignId) as Array<{ campaign_id: string; variant_hash: string; verdict_json: string; created_at: string }>,
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, variantHash: r.variant_hash, verdict: JSON.parse(r.verdict_json) as ProofVerdict, createdAt: r.created_at }));
  }

  modelCalls(campaignId: string): ModelCallRecord[] {
    const rows = this.guard("read model calls", () => this.db.prepare("SELECT * FROM model_calls WHERE campaign_id = ? ORDER BY id").all(campaignId) as ModelCallRow[]);
    return rows.map((r) => ({
      campaignId: r.campaign_id,
      role: r.role,
      model: r.model,
      tokensIn: r.tokens_in,
      tokensOut: r.tokens_out,
      latencyMs: r.latency_ms,
      costUsd: r.cost_usd,
      ok: r.ok === 1,
      ...(r.error !== null ? { error: r.error } : {}),
      ...(r.variant_hash !== null ? { variantHash: r.variant_hash } : {}),
    }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private requireCampaign(id: string): void {
    const found = this.guard("read a campaign", () => this.db.prepare("SELECT 1 FROM campaigns WHERE id = ?").get(id));
    if (found === undefined) fail("CAMPAIGN_NOT_FOUND", `campaign: expected an id in ${JSON.stringify(this.path)}, received ${JSON.stringify(id)}`);
  }

  /** SQLite failures (disk full, locked, closed) become STORE_ERROR naming what was being done. */
  private guard<T>(what: string, action: () => T): T {
    if (this.closed) fail("INTERNAL", `store: tried to ${what} after close() on ${JSON.stringify(this.path)}`);
    try {
      return action();
    } catch (error) {
      if (error instanceof NightshiftError) throw error;
      return fail("STORE_ERROR", `store: could not ${what} in ${JSON.stringify(this.path)}: ${sqliteReason(error)}`, error);
    }
  }
}

function toCampaign(row: CampaignRow): CampaignRecord {
  return {
    id: row.id,
    config: JSON.parse(row.config_json) as CampaignConfig,
    state: row.state,
    stopReason: row.stop_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Cached records are shared by every caller, so none may change one. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function toEvaluation(row: EvaluationRow): EvaluationRecord {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    variantHash: row.variant_hash,
    device: row.device,
    params: JSON.parse(row.params_json),
    origin: row.origin,
    status: row.status,
    medianMs: row.median_ms,
    result: JSON.parse(row.result_json) as EvalResult,
    purpose: row.purpose,
    createdAt: row.created_at,
  };
}
