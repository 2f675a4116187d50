// nightshift list: every campaign in the store with its spec, devices, state and evaluations.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { countedEvaluations } from "../agents/history.ts";
import { defaultDbPath, openStore } from "../results/store.ts";
import { DB_OPTION } from "./campaign-store.ts";
import { addServerOptions, DaemonClient, type ServerFlags } from "./daemon-client.ts";

/** What a list row needs, locally or from a daemon (whose rows say more). */
interface ListRow {
  id: string;
  spec: string;
  devices: string[];
  state: string;
  stopReason: string | null;
  evaluations: number;
  budget: number;
  createdAt: string;
}

function printRows(rows: readonly ListRow[], json: boolean, where: string): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`no campaigns in ${where}\n`);
    return;
  }
  const table = [["id", "spec", "devices", "state", "evaluations", "created"], ...rows.map((r) => [r.id, r.spec, r.devices.join(","), r.stopReason ? `${r.state} (${r.stopReason})` : r.state, `${r.evaluations}/${r.budget}`, r.createdAt])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()}\n`);
}

export function registerList(program: Command): void {
  const command = program
    .command("list")
    .description("list the campaigns in the result store, or a daemon's (--server)")
    .option(...DB_OPTION)
    .option("--json", "print a JSON array");
  addServerOptions(command, false).action(async (flags: ServerFlags & { db?: string; json?: boolean }) => {
    if (flags.server !== undefined) {
      const client = DaemonClient.fromFlags(flags);
      printRows(await client.json<ListRow[]>("GET", "/v1/campaigns"), flags.json === true, client.url);
      return;
    }
    const path = resolve(flags.db ?? defaultDbPath());
    // A fresh machine has no database until its first campaign: that is an empty list, not an error,
    // and listing must not create the file.
    if (!existsSync(path)) {
      process.stdout.write(flags.json ? "[]\n" : `no campaigns in ${path}\n`);
      return;
    }
    const store = openStore(path, { mustExist: true });
    try {
      const rows = store.listCampaigns().map((c) => ({
        id: c.id,
        spec: c.config.specName,
        devices: c.config.devices,
        state: c.state,
        stopReason: c.stopReason,
        evaluations: c.config.devices.reduce((n, d) => n + countedEvaluations(store, c.id, d).length, 0),
        budget: c.config.budget * c.config.devices.length,
        createdAt: c.createdAt,
      }));
      printRows(rows, flags.json === true, store.path);
    } finally {
      store.close();
    }
  });
}
