// The store's schema as an ordered list of migrations. A database records the versions applied to it in
// `schema_version`; opening it applies only the missing ones, each in its own transaction, so a database
// written by an older nightshift is upgraded in place and one written by a newer nightshift is refused.

/** Marks a SQLite file as a nightshift store (PRAGMA application_id, "NSHF"). */
export const APPLICATION_ID = 0x4e534846;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

// Append-only is enforced by the database itself, not only by the absence of UPDATE statements in the
// code: the triggers make a stray UPDATE or DELETE of a measurement fail loudly.
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

const STOP_REASONS_V1 = ["budget", "time", "roofline", "stalled", "exhausted", "interrupted"];

/** The campaigns table; only the stop reasons its CHECK allows have changed between versions. */
const campaignsTable = (name: string, stopReasons: readonly string[]): string => `CREATE TABLE ${name} (
  id            TEXT PRIMARY KEY,
  spec_id       TEXT NOT NULL,
  spec_name     TEXT NOT NULL,
  config_json   TEXT NOT NULL,
  profiles_json TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('running', 'finished', 'failed')),
  stop_reason   TEXT CHECK (stop_reason IS NULL OR stop_reason IN (${stopReasons.map((r) => `'${r}'`).join(", ")})),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "campaigns, variants, evaluations, ledger, model calls",
    sql: `
${campaignsTable("campaigns", STOP_REASONS_V1)}
CREATE INDEX campaigns_spec_name ON campaigns (spec_name);

-- parent_hash has no foreign key: a rewrite's parent may come from another store (transfer, import).
CREATE TABLE variants (
  hash        TEXT PRIMARY KEY,
  spec_id     TEXT NOT NULL,
  params_json TEXT NOT NULL,
  source      TEXT NOT NULL,
  origin      TEXT NOT NULL CHECK (origin IN ('template', 'file', 'model')),
  parent_hash TEXT,
  created_at  TEXT NOT NULL
);

CREATE TABLE evaluations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id   TEXT NOT NULL REFERENCES campaigns (id),
  variant_hash  TEXT NOT NULL REFERENCES variants (hash),
  device        TEXT NOT NULL,
  purpose       TEXT NOT NULL CHECK (purpose IN ('explore', 'confirm')),
  status        TEXT NOT NULL CHECK (status IN ('ok', 'compile_error', 'runtime_error', 'timeout', 'wrong_result', 'rejected', 'infra_error')),
  median_ms     REAL,
  result_json   TEXT NOT NULL,
  compile_json  TEXT,
  started_at    TEXT NOT NULL,
  finished_at   TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX evaluations_campaign_device ON evaluations (campaign_id, device);
CREATE INDEX evaluations_variant ON evaluations (variant_hash, device);

CREATE TABLE ledger (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
  device       TEXT NOT NULL,
  variant_hash TEXT NOT NULL,
  status       TEXT NOT NULL,
  pattern_json TEXT NOT NULL,
  idea         TEXT,
  message      TEXT NOT NULL,
  occurrences  INTEGER NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX ledger_campaign ON ledger (campaign_id);

CREATE TABLE model_calls (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
  role         TEXT NOT NULL CHECK (role IN ('planner', 'coder', 'critic')),
  model        TEXT NOT NULL,
  tokens_in    INTEGER NOT NULL,
  tokens_out   INTEGER NOT NULL,
  latency_ms   REAL NOT NULL,
  cost_usd     REAL NOT NULL,
  ok           INTEGER NOT NULL CHECK (ok IN (0, 1)),
  error        TEXT,
  variant_hash TEXT,
  created_at   TEXT NOT NULL
);
CREATE INDEX model_calls_campaign ON model_calls (campaign_id);
${appendOnly("evaluations")}
${appendOnly("variants")}
${appendOnly("ledger")}
${appendOnly("model_calls")}
`,
  },
  {
    version: 2,
    description: "incumbents: the critic's accepted improvements",
    sql: `
CREATE TABLE incumbents (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id    TEXT NOT NULL REFERENCES campaigns (id),
  device         TEXT NOT NULL,
  variant_hash   TEXT NOT NULL REFERENCES variants (hash),
  incumbent_json TEXT NOT NULL,
  verdict        TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX incumbents_campaign ON incumbents (campaign_id, device);
${appendOnly("incumbents")}
`,
  },
  {
    version: 3,
    description: "variant_ideas: the code-change idea a model rewrite applied",
    sql: `
CREATE TABLE variant_ideas (
  variant_hash TEXT PRIMARY KEY REFERENCES variants (hash),
  idea         TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
${appendOnly("variant_ideas")}
`,
  },
  {
    // SQLite cannot alter a CHECK constraint, so the table is rebuilt (with foreign keys off for the
    // migration, as SQLite's documented procedure requires; store.ts checks them before committing).
    version: 4,
    description: "campaigns.stop_reason may say device_down",
    sql: `
${campaignsTable("campaigns_v4", [...STOP_REASONS_V1, "device_down"])}
INSERT INTO campaigns_v4 SELECT id, spec_id, spec_name, config_json, profiles_json, state, stop_reason, created_at, updated_at FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_v4 RENAME TO campaigns;
CREATE INDEX campaigns_spec_name ON campaigns (spec_name);
`,
  },
  {
    version: 5,
    description: "refused_proposals: model proposals refused before a build, so the report can count them",
    sql: `
CREATE TABLE refused_proposals (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id TEXT NOT NULL REFERENCES campaigns (id),
  device      TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('planner', 'coder')),
  reason      TEXT NOT NULL,
  detail      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX refused_proposals_campaign ON refused_proposals (campaign_id);
${appendOnly("refused_proposals")}
`,
  },
  {
    version: 6,
    description: "library_results: the spec's library baselines measured on each device of a campaign",
    sql: `
CREATE TABLE library_results (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
  device       TEXT NOT NULL,
  name         TEXT NOT NULL,
  variant_hash TEXT NOT NULL,
  status       TEXT NOT NULL,
  median_ms    REAL,
  result_json  TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX library_results_campaign ON library_results (campaign_id, device);
${appendOnly("library_results")}
`,
  },
  {
    version: 7,
    description: "proofs: the proof step's verdict on each variant the critic considered accepting",
    sql: `
CREATE TABLE proofs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
  variant_hash TEXT NOT NULL,
  status       TEXT NOT NULL,
  verdict_json TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX proofs_campaign ON proofs (campaign_id, variant_hash);
${appendOnly("proofs")}
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
