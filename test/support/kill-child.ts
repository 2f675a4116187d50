// A campaign process for the kill tests: scripted device and planner, and a kill point chosen by
// NIGHTSHIFT_TEST_KILL (read only here) where it SIGKILLs itself, as a crash or the OOM killer would:
//   confirm:  in the middle of the candidate's second confirmation run (after two confirm rows committed)
//   diagnose: in the critic's diagnosis right after it recorded the new incumbent, before the checkpoint
// Usage: node --import tsx kill-child.ts <db> start|<campaign id>. Prints the campaign id first.

import type { CriticPolicy, PlannerPolicy, Proposal } from "../../agents/types.ts";
import { resumeCampaign, startCampaign, type CampaignOptions } from "../../graphs/run-campaign.ts";
import type { Params } from "../../specs/schema.ts";
import { KILL_PROFILE, KILL_SPEC, KILL_VARIANTS, TIMES } from "./kill-scenario.ts";
import { around, scriptedRunner } from "./scripted-runner.ts";

const plain = (UNROLL: number, PASSES: number): Params => ({ UNROLL, PASSES, FLAVOR: "plain" });
const ROUNDS = [[plain(1, 4)], [plain(1, 1)]];

const kill = process.env.NIGHTSHIFT_TEST_KILL ?? "";
const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
};

const planner: PlannerPolicy = {
  name: "scripted",
  plan: async (input): Promise<Proposal[]> => (ROUNDS[input.history.length - 1] ?? []).map((params) => ({ params, proposedBy: "strategy" })),
};

const critic: CriticPolicy = {
  name: "killing",
  diagnose: async (input) => (kill === "diagnose" && input.incumbent?.variantHash === KILL_VARIANTS.first ? die() : null),
};

async function main(): Promise<void> {
  const [db, what] = process.argv.slice(2) as [string, string];
  const options: CampaignOptions = {
    dbPath: db,
    plannerFor: () => planner,
    critic,
    runnerFor: (profile) =>
      scriptedRunner(profile, (v) => around(TIMES[v.hash]!), {
        beforeRun: (v, visit) => {
          if (kill === "confirm" && v.hash === KILL_VARIANTS.first && visit === 3) die();
        },
      }),
    onStart: (record) => process.stdout.write(`${record.id}\n`),
  };
  const outcome =
    what === "start"
      ? await startCampaign({ specDir: KILL_SPEC, devices: [KILL_PROFILE], budget: 3, batchSize: 1, seed: 1, tuning: { confirmPairs: 3 } }, options)
      : await resumeCampaign(what, options);
  process.stdout.write(`${JSON.stringify({ state: outcome.state, stopReason: outcome.stopReason, evaluations: outcome.evaluations })}\n`);
}

await main();
