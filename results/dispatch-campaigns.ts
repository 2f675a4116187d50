// Stored campaigns as the input of a per-size dispatch: each campaign's winners (bestVerifiedPerDevice, the
// report's own choice), the size it tuned at, and the campaigns of one `run --sizes` group.

import { fail, isNightshiftError } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { loadSpecOrSpace } from "../spaces/space-spec.ts";
import type { KernelSpec, ProblemSize } from "../specs/schema.ts";
import { sizeLabel } from "../specs/tune-size.ts";
import { writeSizedDispatch, type SizedCampaign } from "./dispatch-sizes.ts";
import { dispatchTable, type DispatchFiles, type DispatchInput } from "./dispatch.ts";
import { deviceHeadline } from "./headline.ts";
import { bestVerifiedPerDevice } from "./summary.ts";
import type { CampaignRecord, Store } from "./types.ts";

/** The spec as it is now, or null when its folder moved or no longer validates (the dispatch still works). */
function specIfReadable(dir: string, profiles: readonly HardwareProfile[]): KernelSpec | null {
  try {
    return loadSpecOrSpace(dir, profiles);
  } catch (error) {
    if (isNightshiftError(error)) return null;
    throw error;
  }
}

/** The dispatch input of one stored campaign, built as the report builds its own. */
export function campaignDispatchInput(store: Store, campaign: CampaignRecord, spec: KernelSpec | null): DispatchInput {
  const id = campaign.id;
  const profiles = store.campaignProfiles(id);
  const evaluations = store.evaluations(id);
  const acceptances = store.incumbents(id);
  const libraries = store.libraryResults(id);
  const winners = bestVerifiedPerDevice(evaluations, acceptances);
  const devices = campaign.config.devices;
  const sources = new Map<string, string>();
  for (const b of winners.values()) {
    const source = b.origin === "template" ? undefined : store.getVariant(b.variantHash)?.source;
    if (source !== undefined) sources.set(b.variantHash, source);
  }
  // Without the spec, the parameters and values of the winners are all that is known.
  const known = [...winners.values()];
  const names = known.length > 0 ? Object.keys(known[0]!.params) : [];
  return {
    specName: campaign.config.specName,
    specId: campaign.config.specId,
    language: spec?.language ?? (profiles.some((p) => p.kind === "gpu") ? "cuda" : "c"),
    campaignId: id,
    parameters: spec ? Object.entries(spec.parameters).map(([name, values]) => ({ name, values })) : names.map((name) => ({ name, values: [...new Set(known.map((b) => b.params[name]!))] })),
    best: new Map(devices.map((device) => [device, winners.get(device) ?? null])),
    sources,
    headlines: new Map(devices.map((device) => [device, deviceHeadline(evaluations, acceptances, device, libraries)])),
  };
}

/**
 * The size a campaign tuned at: the one `run --sizes` recorded, else the spec's own problem.tune, which is
 * only known while the spec folder is as it was.
 */
function tunedSize(campaign: CampaignRecord, spec: KernelSpec | null): ProblemSize {
  const recorded = campaign.config.options?.tuneSize as ProblemSize | undefined;
  if (recorded !== undefined) return recorded;
  if (spec !== null && spec.id === campaign.config.specId) return spec.problem.tune;
  return fail("USAGE", `dispatch: expected the size campaign ${campaign.id} tuned at, received none: it recorded no --sizes and its spec folder ${campaign.config.specDir} changed or went since`);
}

/** Every campaign of the `run --sizes` group `id` belongs to (its first campaign's id names the group), oldest first. */
export function sizeGroup(store: Store, id: string): string[] {
  const campaign = store.getCampaign(id);
  if (campaign === null) fail("CAMPAIGN_NOT_FOUND", `dispatch: expected a campaign id in ${JSON.stringify(store.path)}, received ${JSON.stringify(id)}`);
  const head = (campaign.config.options?.sizeGroup as string | undefined) ?? id;
  return store
    .listCampaigns()
    .filter((c) => c.id === head || c.config.options?.sizeGroup === head)
    .map((c) => c.id);
}

/** The per-size dispatch of campaigns of one spec at distinct sizes, written to `outDir`. */
export function writeCampaignsDispatch(store: Store, ids: readonly string[], outDir: string): DispatchFiles {
  if (ids.length === 0) fail("USAGE", "dispatch: expected one or more campaign ids (or --group <id>), received none");
  if (new Set(ids).size !== ids.length) fail("USAGE", `dispatch: expected distinct campaign ids, received ${ids.join(", ")}`);
  const campaigns = ids.map((id) => {
    const c = store.getCampaign(id);
    if (c === null) fail("CAMPAIGN_NOT_FOUND", `dispatch: expected a campaign id in ${JSON.stringify(store.path)}, received ${JSON.stringify(id)}`);
    return c;
  });
  const first = campaigns[0]!;
  const other = campaigns.find((c) => c.config.specName !== first.config.specName);
  if (other) fail("USAGE", `dispatch: expected campaigns of one spec, received ${first.id} (${first.config.specName}) and ${other.id} (${other.config.specName})`);
  let variables: string[] | null = null;
  const sized: SizedCampaign[] = campaigns.map((c) => {
    const spec = specIfReadable(c.config.specDir, store.campaignProfiles(c.id));
    const size = tunedSize(c, spec);
    // The spec's order when it is readable; a recorded size was already put in that order when it was recorded.
    variables ??= spec ? Object.keys(spec.problem.tune) : Object.keys(size);
    const names = variables;
    if (Object.keys(size).length !== names.length || !names.every((v) => v in size)) {
      fail("USAGE", `dispatch: expected campaigns sized by the same variables {${names.join(", ")}}, received ${c.id} at ${sizeLabel(size)}`);
    }
    const input = campaignDispatchInput(store, c, spec);
    return { campaignId: c.id, size, table: dispatchTable(input), sources: input.sources };
  });
  return writeSizedDispatch(outDir, { specName: first.config.specName, sizeVariables: variables!, campaigns: sized });
}
