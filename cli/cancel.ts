// nightshift cancel <id> --server URL: a daemon's campaign stops after its current step and never runs again.

import type { Command } from "commander";
import { addServerOptions, DaemonClient, type ServerFlags } from "./daemon-client.ts";

export function registerCancel(program: Command): void {
  const command = program
    .command("cancel")
    .description("cancel a campaign on a nightshift daemon (it stops after its current step)")
    .argument("<id>", "campaign id (see nightshift list --server URL)")
    .option("--json", "print the campaign as JSON");
  addServerOptions(command, true).action(async (id: string, flags: ServerFlags & { json?: boolean }) => {
    const client = DaemonClient.fromFlags(flags);
    const row = await client.json<{ id: string; state: string }>("POST", `/v1/campaigns/${encodeURIComponent(id)}/cancel`);
    process.stdout.write(flags.json ? `${JSON.stringify(row)}\n` : `campaign ${row.id} ${row.state}\n`);
  });
}
