// Where a campaign's checkpoints live and who may run it. The checkpoint database sits beside the store
// (<store>.checkpoints.db), one LangGraph thread per campaign (thread_id = campaign id).

import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { fail } from "../core/errors.ts";
import type { CampaignRecord, Store } from "../results/types.ts";

export function checkpointPath(storePath: string): string {
  return /\.(db|sqlite3?)$/.test(storePath) ? storePath.replace(/\.(db|sqlite3?)$/, ".checkpoints.$1") : `${storePath}.checkpoints`;
}

/**
 * WAL with synchronous=NORMAL survives a killed process (the case that matters here); on power loss it may
 * drop the last checkpoints, which only makes an idempotent node run again: the store stays the truth.
 */
export function openCheckpoints(storePath: string): SqliteSaver {
  const saver = SqliteSaver.fromConnString(checkpointPath(storePath));
  saver.db.pragma("journal_mode = WAL");
  saver.db.pragma("synchronous = NORMAL");
  saver.db.pragma("busy_timeout = 10000");
  return saver;
}

/**
 * One process per campaign: two would measure the same variants twice and race on the budget. The lock
 * file holds the owner's pid; a lock left by a killed process (pid no longer alive) is taken over.
 */
export function lockCampaign(storePath: string, id: string): () => void {
  const path = `${storePath}.${id}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        fail("USAGE", `campaign ${id}: expected no other process running it, received one: process ${owner} holds ${path}`);
      }
      rmSync(path, { force: true });
    }
  }
  return fail("STORE_ERROR", `campaign ${id}: could not take the lock ${path}`);
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

