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

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "campaigns, variants, evaluations, ledger, model calls",
    sql: `
CREATE TABLE campaigns (
  id            TEXT PRIMARY KEY,
  spec_id       TEXT NOT NULL,
  spec_name     TEXT NOT NULL,
  config_json   TEXT NOT NULL,
  profiles_json TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('running', 'finished', 'failed')),
  stop_reason   TEXT CHECK (stop_reason IS NULL OR stop_reason IN ('budget', 'time', 'roofline', 'stalled', 'exhausted', 'interrupted')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
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
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
