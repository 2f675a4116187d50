// A campaign whose agents are the model policies (llm/) in front of the offline ones, with every model call
// recorded in the campaign's own store, as the command line wires them; tests choose the models, the
// environment the clients read (the stand-in's URLs) and, optionally, a scripted runner.

import { TemplateCoder } from "../../agents/offline-coder.ts";
import { RuleCritic } from "../../agents/offline-critic.ts";
import { StrategyPlanner } from "../../agents/offline-planner.ts";
import { startCampaign, type CampaignParts, type CampaignRequest } from "../../graphs/run-campaign.ts";
import { resolvePolicies } from "../../llm/config.ts";
import type { ModelOptions } from "../../llm/options.ts";
import { openStore } from "../../results/store.ts";
import type { Store } from "../../results/types.ts";
import type { Strategy } from "../../strategies/types.ts";

export async function runModelCampaign(options: {
  models: ModelOptions;
  env: Record<string, string>;
  strategy: Strategy;
  request: CampaignRequest;
  dbPath: string;
  runnerFor?: CampaignParts["runnerFor"];
}) {
  let campaignId = "";
  let sideStore: Store | null = null;
  const llm = resolvePolicies(options.models, {
    campaignId: () => campaignId,
    sink: { append: (call) => sideStore!.appendModelCall(call) },
    offline: { planner: new StrategyPlanner(options.strategy), coder: new TemplateCoder(), critic: new RuleCritic() },
    env: options.env,
  });
  try {
    const outcome = await startCampaign(options.request, {
      dbPath: options.dbPath,
      ...(options.runnerFor ? { runnerFor: options.runnerFor } : {}),
      plannerFor: () => llm.planner,
      coder: llm.coder,
      critic: llm.critic,
      onStart: (record) => {
        campaignId = record.id;
        sideStore = openStore(options.dbPath);
      },
    });
    return { outcome, llm };
  } finally {
    (sideStore as Store | null)?.close();
  }
}
