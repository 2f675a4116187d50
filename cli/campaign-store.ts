// What every command that reads one stored campaign shares: the --db option and opening the store that
// holds the campaign (a clear error naming the id and the path when it is not there), closed afterwards.

import type { Command } from "commander";
import { defaultDbPath, openStoreOfCampaign } from "../results/store.ts";
import type { Store } from "../results/types.ts";

export const DB_OPTION = ["--db <path>", "result store (default: $NIGHTSHIFT_DB or ./.nightshift/nightshift.db)"] as const;

/** A command `<name> <id>` with the --db option. */
export function campaignCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument("<id>", "campaign id (see nightshift list)")
    .option(...DB_OPTION);
}

export function withCampaignStore<T>(db: string | undefined, id: string, command: string, use: (store: Store) => T): T {
  const store = openStoreOfCampaign(db ?? defaultDbPath(), id, command);
  try {
    return use(store);
  } finally {
    store.close();
  }
}
