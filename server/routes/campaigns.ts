// Campaigns: submit, list, show, cancel, pause, resume, their evaluations and convergence points.

import { z } from "zod";
import { campaignParams, campaignRow, evaluationRowSchema, evaluationsQuery, submitBody } from "../api-schemas.ts";
import type { DaemonContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import type { Job } from "../jobs.ts";
import { defineRoute, type RouteSpec } from "../route.ts";

export function jobOf(ctx: DaemonContext, id: string): Job {
  const job = ctx.jobs.get(id);
  if (!job) throw new HttpError(404, "CAMPAIGN_NOT_FOUND", "id", "the id of a campaign this daemon runs (GET /v1/campaigns lists them)", JSON.stringify(id));
  return job;
}

const refused = { description: "Bad input: the body names the field, what was expected and what was received." };
const unknown = { description: "No campaign with that id." };

function stateChange(action: "cancel" | "pause" | "resume", summary: string): RouteSpec {
  return defineRoute({
    method: "POST",
    url: `/v1/campaigns/:id/${action}`,
    summary,
    access: "admin",
    params: campaignParams,
    responses: { 200: { description: "The campaign with its new state.", schema: campaignRow }, 404: unknown, 409: { description: "The campaign's state does not allow this." } },
    handle: async ({ params }, ctx) => {
      jobOf(ctx, params.id);
      return ctx.reader.row(await ctx.control[action](params.id));
    },
  });
}

export const campaignRoutes: RouteSpec[] = [
  defineRoute({
    method: "POST",
    url: "/v1/campaigns",
    summary: "Submit a campaign: a spec on the daemon's spec roots or an earlier upload, devices, budget and the rest; it is queued at once.",
    access: "admin",
    body: submitBody,
    responses: { 202: { description: "Queued.", schema: campaignRow }, 400: refused, 422: { description: "An uploaded spec asked for a device that would run its code outside the sandbox." } },
    handle: async ({ body, reply }, ctx) => {
      const job = await ctx.control.submit(body);
      reply.code(202);
      return ctx.reader.row(job);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns",
    summary: "Every campaign of this daemon with its state and progress, oldest first.",
    access: "read",
    responses: { 200: { description: "The campaigns.", schema: z.array(campaignRow) } },
    handle: (_input, ctx) => ctx.jobs.all().map((job) => ctx.reader.row(job)),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id",
    summary: "One campaign: per device the best accepted variant with its confidence interval and the critic's verdict, the baseline, failures by kind, and the critic's ledger.",
    access: "read",
    params: campaignParams,
    responses: { 200: { description: "The campaign in detail." }, 404: unknown },
    handle: ({ params }, ctx) => ctx.reader.detail(jobOf(ctx, params.id)),
  }),
  stateChange("cancel", "Cancel a campaign: it stops after its current step and never runs again."),
  stateChange("pause", "Pause a campaign: it stops after its current step and waits for resume."),
  stateChange("resume", "Queue a paused campaign again; it continues where it stopped, with exactly its remaining budget."),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/evaluations",
    summary: "The campaign's evaluations in the order they were committed; `after` (an evaluation id) pages and follows.",
    access: "read",
    params: campaignParams,
    query: evaluationsQuery,
    responses: { 200: { description: "Evaluations.", schema: z.array(evaluationRowSchema) }, 404: unknown },
    handle: ({ params, query }, ctx) => {
      jobOf(ctx, params.id);
      return ctx.reader.evaluations(params.id, query.after ?? 0, query.device, query.limit ?? 5000);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/convergence",
    summary: "Per device, the best accepted median after each exploring evaluation: the points of the report's convergence plot.",
    access: "read",
    params: campaignParams,
    responses: { 200: { description: "Device name to its points ({index, status, valueMs, disqualified, bestMs})." }, 404: unknown },
    handle: ({ params }, ctx) => {
      jobOf(ctx, params.id);
      return ctx.reader.convergence(params.id);
    },
  }),
];
