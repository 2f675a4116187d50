// Where a campaign's checkpoints live and who may run it. The checkpoint database sits beside the store
// (<store>.checkpoints.db), one LangGraph thread per campaign (thread_id = campaign id).

import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { fail } from "../core/errors.ts";
import { sqliteReason } from "../results/store.ts";
import type { CampaignRecord, Store } from "../results/types.ts";

export function checkpointPath(storePath: string): string {
  return /\.(db|sqlite3?)$/.test(storePath) ? storePath.replace(/\.(db|sqlite3?)$/, ".checkpoints.$1") : `${storePath}.checkpoints`;
}

/**
 * WAL with synchronous=NORMAL survives a killed process (the case that matters here); on power loss it may
 * drop the last checkpoints, which only makes an idempotent node run again: the store stays the truth.
 */
export function openCheckpoints(storePath: string): SqliteSaver {
  const path = checkpointPath(storePath);
  try {
    const saver = SqliteSaver.fromConnString(path);
    saver.db.pragma("journal_mode = WAL");
    saver.db.pragma("synchronous = NORMAL");
    saver.db.pragma("busy_timeout = 10000");
    return saver;
  } catch (error) {
    // A full disk or a read-only folder beside the store: the user's to fix, said in one line.
    return fail("STORE_ERROR", `checkpoints: could not open ${JSON.stringify(path)}: ${sqliteReason(error)}`, error);
  }
}

/**
 * One process per campaign: two would measure the same variants twice and race on the budget. The lock
 * file holds the owner's pid and appears complete and at once (written aside, then hard-linked into
 * place, which fails if a lock exists). A lock left by a killed process (pid no longer alive) is taken
 * over under a second, short-lived lock, so two processes that both find it stale cannot each delete
 * the other's fresh lock: only the takeover holder removes a lock, and only while it still names the
 * dead owner.
 */
export function lockCampaign(storePath: string, id: string): () => void {
  const path = `${storePath}.${id}.lock`;
  const mine = `${path}.${process.pid}`;
  const release = () => rmSync(path, { force: true });
  lockStep(`campaign ${id}: could not write the lock ${mine}`, () => writeFileSync(mine, String(process.pid)));
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (linkLock(mine, path, id)) return release;
      const owner = lockOwner(path, id);
      if (owner === null) continue; // released meanwhile: try again
      if (owner > 0 && owner !== process.pid && isAlive(owner)) {
        fail("USAGE", `campaign ${id}: expected no other process running it, received one: process ${owner} holds ${path}`);
      }
      takeOverStale(path, owner, mine, id);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  return fail("STORE_ERROR", `campaign ${id}: could not take the lock ${path} (other processes kept taking it)`);
}

/** Filesystem errors of the lock (a missing folder, no permission) as clear errors, not stack traces. */
function lockStep<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    return fail("STORE_ERROR", `${what}: ${(error as Error).message}`, error);
  }
}

/** True when `from` became the lock at `to`; false when a lock already exists. */
function linkLock(from: string, to: string, id: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    return fail("STORE_ERROR", `campaign ${id}: could not take the lock ${to}: ${(error as Error).message}`, error);
  }
}

/** The pid a lock names (0 when unreadable as one, i.e. not a live owner); null when there is no lock. */
function lockOwner(path: string, id: string): number | null {
  try {
    const owner = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(owner) && owner > 0 ? owner : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    return fail("STORE_ERROR", `campaign ${id}: could not read the lock ${path}: ${(error as Error).message}`, error);
  }
}

/**
 * Removes a stale lock naming `dead`, holding `<lock>.takeover` meanwhile. A takeover lock left by a
 * process killed inside this short step is itself stale and removed; the next attempt then proceeds.
 */
function takeOverStale(path: string, dead: number, mine: string, id: string): void {
  const takeover = `${path}.takeover`;
  if (!linkLock(mine, takeover, id)) {
    const holder = lockOwner(takeover, id);
    if (holder !== null && (holder === 0 || !isAlive(holder))) rmSync(takeover, { force: true });
    // Another process is taking the stale lock over right now: give it a moment to finish.
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    return;
  }
  try {
    if (lockOwner(path, id) === dead) rmSync(path, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const threadOf = (id: string) => ({ configurable: { thread_id: id } });

export function requireCampaign(store: Store, id: string): CampaignRecord {
  const record = store.getCampaign(id);
  if (!record) {
    const known = store.listCampaigns().map((c) => c.id);
    fail("CAMPAIGN_NOT_FOUND", `campaign: expected one of the ids in ${store.path} (${known.slice(-5).join(", ") || "none yet"}), received ${JSON.stringify(id)}`);
  }
  return record;
}

