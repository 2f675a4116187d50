// The daemon's own durable state, in a SQLite file beside the store: which campaigns it owns, in which
// queue state and at which priority, and every use of a device's timing slot (the proof that campaigns never
// timed on one device at once). Measurements stay in the store; this file only says what to do with them.

import Database from "better-sqlite3";
import { fail, NightshiftError } from "../core/errors.ts";
import type { TimingWindow } from "../runners/lane.ts";

export const JOB_STATES = ["queued", "running", "paused", "cancelled", "finished", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a restarted daemon picks up again: the queue as it was, the running campaigns resumed. */
export const LIVE_STATES: readonly JobState[] = ["queued", "running"];

export interface Job {
  campaignId: string;
  priority: number;
  state: JobState;
  /** Why it is in this state, when that is worth saying (a failure's message, device_down). */
  reason: string | null;
  /** True when the spec was uploaded (its code may run only inside the sandbox). */
  uploaded: boolean;
  submittedAt: string;
  updatedAt: string;
}

interface JobRow {
  campaign_id: string;
  priority: number;
  state: JobState;
  reason: string | null;
  uploaded: number;
  submitted_at: string;
  updated_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  campaign_id  TEXT PRIMARY KEY,
  priority     INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN (${JOB_STATES.map((s) => `'${s}'`).join(", ")})),
  reason       TEXT,
  uploaded     INTEGER NOT NULL CHECK (uploaded IN (0, 1)),
  submitted_at TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS timing_windows (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device       TEXT NOT NULL,
  campaign_id  TEXT,
  variant_hash TEXT NOT NULL,
  start_ms     REAL NOT NULL,
  end_ms       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS timing_windows_device ON timing_windows (device, start_ms);
`;

export function jobsPath(storePath: string): string {
  return /\.(db|sqlite3?)$/.test(storePath) ? storePath.replace(/\.(db|sqlite3?)$/, ".daemon.$1") : `${storePath}.daemon`;
}

const toJob = (r: JobRow): Job => ({
  campaignId: r.campaign_id,
  priority: r.priority,
  state: r.state,
  reason: r.reason,
  uploaded: r.uploaded === 1,
  submittedAt: r.submitted_at,
  updatedAt: r.updated_at,
});

export class JobStore {
  readonly path: string;
  private readonly db: Database.Database;

  constructor(path: string) {
    this.path = path;
    try {
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      // As the store: a job's state change is tiny and rare, and must survive a power cut with the evaluations.
      this.db.pragma("synchronous = FULL");
      this.db.pragma("busy_timeout = 10000");
      this.db.exec(SCHEMA);
    } catch (error) {
      if (error instanceof NightshiftError) throw error;
      fail("STORE_ERROR", `daemon state: could not open ${JSON.stringify(path)}: ${(error as Error).message}`, error);
    }
  }

  add(campaignId: string, priority: number, uploaded: boolean): Job {
    const at = new Date().toISOString();
    this.db
      .prepare("INSERT INTO jobs (campaign_id, priority, state, reason, uploaded, submitted_at, updated_at) VALUES (?, ?, 'queued', NULL, ?, ?, ?)")
      .run(campaignId, priority, uploaded ? 1 : 0, at, at);
    return this.get(campaignId)!;
  }

  get(campaignId: string): Job | null {
    const row = this.db.prepare("SELECT * FROM jobs WHERE campaign_id = ?").get(campaignId) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  /** Every job, oldest first. */
  all(): Job[] {
    return (this.db.prepare("SELECT * FROM jobs ORDER BY submitted_at, rowid").all() as JobRow[]).map(toJob);
  }

  counts(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of this.db.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as Array<{ state: JobState; n: number }>) counts[row.state] = row.n;
    return counts;
  }

  setState(campaignId: string, state: JobState, reason: string | null = null): Job {
    this.db.prepare("UPDATE jobs SET state = ?, reason = ?, updated_at = ? WHERE campaign_id = ?").run(state, reason, new Date().toISOString(), campaignId);
    return this.get(campaignId) ?? fail("INTERNAL", `daemon state: expected job ${campaignId}, received nothing`);
  }

  recordTiming(window: TimingWindow): void {
    this.db
      .prepare("INSERT INTO timing_windows (device, campaign_id, variant_hash, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)")
      .run(window.device, window.owner, window.variantHash, window.startMs, window.endMs);
  }

  /** Timing windows of a device in the order they began. */
  timingWindows(device: string): TimingWindow[] {
    const rows = this.db.prepare("SELECT * FROM timing_windows WHERE device = ? ORDER BY start_ms, id").all(device) as Array<{
      device: string;
      campaign_id: string | null;
      variant_hash: string;
      start_ms: number;
      end_ms: number;
    }>;
    return rows.map((r) => ({ device: r.device, owner: r.campaign_id, variantHash: r.variant_hash, startMs: r.start_ms, endMs: r.end_ms }));
  }

  close(): void {
    this.db.close();
  }
}
