// nightshift resume <id>: continue an unfinished campaign from its last checkpoint. Nothing committed is
// measured again and the budget is honoured exactly; a finished campaign is reported, not reopened.

import type { Command } from "commander";
import { resumeCampaign } from "../graphs/run-campaign.ts";
import { resumedModelOptions } from "../llm/stored-options.ts";
import { defaultDbPath, openStore } from "../results/store.ts";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";
import { DB_OPTION } from "./campaign-store.ts";
import { campaignPolicies } from "./policies.ts";
import { runFromCli } from "./run.ts";

export function registerResume(program: Command): void {
  program
    .command("resume")
    .description("continue a campaign that was stopped or killed")
    .argument("<id>", "campaign id (see nightshift list)")
    .option(...DB_OPTION)
    .option("--json", "print exactly one JSON object with the outcome on stdout")
    .option("--model-base-url <url>", "the model service's base URL again (needed when the one the campaign began with carried credentials)")
    .action(async (id: string, flags: { db?: string; json?: boolean; modelBaseUrl?: string }) => {
      // The policies are rebuilt from what the campaign recorded when it began (model options, never keys).
      const store = openStore(flags.db ?? defaultDbPath(), { mustExist: true });
      const config = store.getCampaign(id)?.config;
      store.close();
      const stored = config?.options?.modelOptions as Record<string, unknown> | undefined;
      const policies = campaignPolicies(resumedModelOptions(stored, flags.modelBaseUrl), config?.strategy ?? DEFAULT_STRATEGY);
      await runFromCli(policies, flags, (options) => resumeCampaign(id, options));
    });
}
