// A campaign submitted over HTTP becomes a recorded campaign in the queue, or a 4xx naming the field: the
// spec resolved inside the spec roots (or an earlier upload), devices from this daemon's list, priors inside
// the roots, the model through the policies. An uploaded spec is code from the network: it may run only
// where nothing of it executes (replay devices) until the harness runs variants in the sandbox.

import { describeValue, isNightshiftError, type ErrorCode } from "../core/errors.ts";
import { createCampaign, type CampaignRequest } from "../graphs/run-campaign.ts";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";
import type { SubmitBody } from "./api-schemas.ts";
import type { PoliciesFor } from "./context.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { asClientError, HttpError } from "./http-error.ts";
import type { Job } from "./jobs.ts";
import type { CampaignScheduler } from "./scheduler.ts";
import type { SpecRoots } from "./spec-paths.ts";
import { findUpload } from "./uploads.ts";

/** What a submission needs from the side that runs campaigns. */
export interface SubmitContext {
  dbPath: string;
  specRoots: SpecRoots;
  devices: DeviceRegistry;
  policiesFor: PoliciesFor;
  uploadsDir: string;
  scheduler: CampaignScheduler;
}

/** Which request field a deeper error is about, by its code. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  STRATEGY_UNKNOWN: "strategy",
  PROFILE_INVALID: "devices",
  PROFILE_NOT_FOUND: "devices",
  MODEL_CONFIG: "model",
};

/** A deeper error as the client's 4xx, naming the field its code points to (else `fallback`); other errors as they are. */
function asRequestError(error: unknown, fallback: string): unknown {
  if (!isNightshiftError(error)) return error;
  return asClientError(error, FIELD_OF[error.code] ?? fallback) ?? error;
}

function specPath(ctx: SubmitContext, spec: SubmitBody["spec"]): { path: string; uploaded: boolean } {
  if (spec.path !== undefined) return { path: ctx.specRoots.resolve(spec.path, "spec.path"), uploaded: false };
  const upload = findUpload(ctx.uploadsDir, spec.upload!);
  if (!upload) throw new HttpError(400, "REQUEST_INVALID", "spec.upload", "the id of an earlier upload (POST /v1/specs)", describeValue(spec.upload));
  return { path: upload.specPath, uploaded: true };
}

export async function submitCampaign(ctx: SubmitContext, body: SubmitBody): Promise<Job> {
  const spec = specPath(ctx, body.spec);
  const devices = body.devices.map((name, i) => {
    const profile = ctx.devices.profileOf(name, `devices[${i}]`);
    if (spec.uploaded && profile.reach.via !== "replay") {
      throw new HttpError(422, "SANDBOX_REQUIRED", `devices[${i}]`, "replay devices only for an uploaded spec (its code may run only inside the variant sandbox, which this daemon's harness does not offer yet)", `${describeValue(name)}, reached via ${profile.reach.via}`);
    }
    return ctx.devices.argOf(name, `devices[${i}]`);
  });
  const priorFiles = (body.priors ?? []).map((p, i) => ctx.specRoots.resolve(p, `priors[${i}]`));
  const strategy = body.strategy;
  let policies;
  try {
    policies = ctx.policiesFor(body.model !== undefined ? { model: body.model } : {}, strategy ?? DEFAULT_STRATEGY);
  } catch (error) {
    throw asRequestError(error, "model");
  }
  if (body.model !== undefined && !policies.usesModels) throw new HttpError(400, "REQUEST_INVALID", "model", "no model (this daemon runs the offline policies only)", describeValue(body.model));
  const request: CampaignRequest = {
    specDir: spec.path,
    devices,
    ...(body.budget !== undefined ? { budget: body.budget } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(body.seed !== undefined ? { seed: body.seed } : {}),
    ...(body.timeBudgetSeconds !== undefined ? { timeBudgetSeconds: body.timeBudgetSeconds } : {}),
    ...(body.batch !== undefined ? { batchSize: body.batch } : {}),
    ...(body.stallAfter !== undefined ? { tuning: { stallAfter: body.stallAfter } } : {}),
    ...(body.proofs !== undefined ? { proofs: body.proofs } : {}),
    ...(priorFiles.length > 0 ? { priorFiles } : {}),
    ...(policies.usesModels ? { models: policies.models, modelOptions: { model: body.model } } : {}),
  };
  let record;
  try {
    record = await createCampaign(request, { dbPath: ctx.dbPath });
  } catch (error) {
    const aboutPriors = error instanceof Error && priorFiles.some((f) => error.message.includes(f));
    throw asRequestError(error, aboutPriors ? "priors" : "spec");
  }
  return ctx.scheduler.submit(record.id, body.priority, spec.uploaded);
}
