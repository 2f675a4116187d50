// The profiler's other job, once per device at the start of a campaign: measure the spec's library
// baselines (harness/library.ts) under the same protocol as every variant, and commit each result. They are
// what the tuned kernel is compared with, never part of the search: no budget, no incumbent, no parent.
// A baseline that cannot build or run on a device is recorded as it failed; nothing else depends on it.

import { failureMessage } from "../harness/failure-message.ts";
import { libraryVariants } from "../harness/library.ts";
import type { CampaignContext, DeviceProgress } from "./context.ts";

export async function measureLibraries(ctx: CampaignContext, progress: DeviceProgress): Promise<Partial<DeviceProgress>> {
  const device = ctx.devices.get(progress.device)!;
  // Replayed data holds the search space's configurations only: there is nothing to replay a library from.
  if (device.profile.reach.via === "replay") return {};
  // On resume, what is already measured is not measured again.
  const done = new Set(ctx.store.libraryResults(ctx.campaignId).filter((r) => r.device === progress.device).map((r) => r.name));
  const todo = libraryVariants(ctx.spec).filter(({ baseline }) => !done.has(baseline.name));
  if (todo.length === 0) return {};
  const results = await device.runner.run(todo.map((t) => t.variant), ctx.signal ? { signal: ctx.signal } : {});
  results.forEach((raw, i) => {
    // After a stop request unrun baselines come back as infrastructure errors: nothing was measured.
    if (raw.status === "infra_error" && ctx.signal?.aborted) return;
    const name = todo[i]!.baseline.name;
    const result = raw.device === progress.device ? raw : { ...raw, device: progress.device };
    ctx.store.appendLibraryResult(ctx.campaignId, name, result);
    ctx.emit({ type: "library", device: progress.device, name, status: result.status, medianMs: result.status === "ok" ? result.stats.medianMs : null, message: failureMessage(result) });
  });
  return {};
}
