// `nightshift run <spec> --budget 6 --batch 2 --json` as the CLI drives it (progress, Ctrl-C, printed
// outcome), on the real local runner behind a gate: once two variants have results, the next run waits
// until the campaign is stopped. A test can then interrupt it knowing it cannot have finished first.
// Usage: node --import tsx gated-run.ts <spec> <db>

import { campaignPolicies } from "../../cli/policies.ts";
import { runFromCli } from "../../cli/run.ts";
import { startCampaign } from "../../graphs/run-campaign.ts";
import { createRunner } from "../../runners/factory.ts";
import type { Runner } from "../../runners/types.ts";
import { DEFAULT_STRATEGY } from "../../strategies/registry.ts";

function gated(inner: Runner): Runner {
  let measured = 0;
  return {
    device: inner.device,
    async run(batch, options = {}) {
      const signal = options.signal;
      if (measured >= 2 && signal && !signal.aborted) {
        // A pending promise alone does not keep the process alive; the timer does, until the stop request.
        const alive = setInterval(() => {}, 1000);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        clearInterval(alive);
      }
      const results = await inner.run(batch, options);
      measured += results.length;
      return results;
    },
    close: () => inner.close(),
  };
}

const [spec, db] = process.argv.slice(2) as [string, string];
await runFromCli(campaignPolicies({}, DEFAULT_STRATEGY), { db, json: true }, (options) =>
  startCampaign({ specDir: spec, devices: ["local"], budget: 6, batchSize: 2 }, { ...options, runnerFor: (profile, o) => gated(createRunner(profile, o)) }),
);
