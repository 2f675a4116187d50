// The API's input schemas (strict: an unknown field is an error) and the shapes it answers with, as zod
// schemas: routes parse with them and openapi.ts publishes them. Every message reads as the "expected" half
// of "field: expected X, received Y".

import { z } from "zod";
import { JOB_STATES } from "./jobs.ts";
import { UPLOAD_ID } from "./uploads.ts";

const int = (min: number, max: number) => {
  const expected = `an integer from ${min} to ${max}`;
  return z.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
};
const text = (max: number, what: string) => z.string({ error: what }).min(1, what).max(max, `${what} of at most ${max} characters`);
/** Query values arrive as text: digits only, then a number. */
const queryInt = (max: number) => z.string().regex(/^\d{1,12}$/, "a whole number").transform(Number).pipe(z.number().max(max, `a whole number up to ${max}`));

export const CAMPAIGN_ID = /^c-[0-9a-f]{8}$/;
export const campaignParams = z.strictObject({ id: z.string().regex(CAMPAIGN_ID, "a campaign id such as c-0123abcd") });
export const reportFileParams = campaignParams.extend({ file: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "the name of one of the campaign's report files") });

export const submitBody = z.strictObject({
  spec: z
    .strictObject({
      path: text(512, "a spec folder or T1 file relative to the daemon's spec roots").optional(),
      upload: z.string().regex(UPLOAD_ID, "an upload id from POST /v1/specs (u- and 16 hex digits)").optional(),
    })
    .refine((s) => (s.path === undefined) !== (s.upload === undefined), "exactly one of path (on the daemon's spec roots) and upload (an id from POST /v1/specs)"),
  devices: z.array(text(128, "a device name from GET /v1/devices")).min(1, "one or more device names").max(16, "at most 16 devices"),
  budget: int(1, 100_000).optional(),
  strategy: text(64, "a search strategy name").optional(),
  seed: int(0, 2_147_483_647).optional(),
  timeBudgetSeconds: z.number({ error: "a number of seconds" }).positive("a positive number of seconds").max(2_592_000, "at most 30 days in seconds").optional(),
  batch: int(1, 256).optional(),
  stallAfter: int(1, 100_000).optional(),
  priors: z.array(text(512, "a tuning-data file relative to the daemon's spec roots")).max(16, "at most 16 prior files").optional(),
  model: text(128, 'a chat model as "provider:model"').optional(),
  proofs: z.enum(["on", "required", "off"], { error: 'one of "on" (prove would-be incumbents, the default), "required" (accept only proved variants), "off"' }).optional(),
  priority: int(1, 10).default(5),
});
export type SubmitBody = z.output<typeof submitBody>;

export const uploadBody = z.strictObject({
  files: z.record(z.string(), z.string({ error: "the file's text" }), { error: "an object of file name to file text" }),
});

export const evaluationsQuery = z.strictObject({
  after: queryInt(Number.MAX_SAFE_INTEGER).optional(),
  device: text(128, "a device of the campaign").optional(),
  limit: queryInt(10_000).optional(),
});

export const deviceQuery = z.strictObject({ device: text(128, "a device name from GET /v1/devices").optional() });

// ---- What the API answers (for the published document). ----

export const errorBody = z.object({
  error: z.object({
    code: z.string().describe("from the registry in core/errors.ts, e.g. REQUEST_INVALID, AUTH_REQUIRED"),
    field: z.string().describe("the field at fault, e.g. devices[0], spec.path, authorization, body"),
    expected: z.string(),
    received: z.string(),
    message: z.string().describe('"field: expected X, received Y"'),
  }),
});

export const campaignRow = z.object({
  id: z.string(),
  spec: z.string(),
  devices: z.array(z.string()),
  state: z.enum(JOB_STATES),
  reason: z.string().nullable(),
  storeState: z.enum(["running", "finished", "failed"]),
  stopReason: z.string().nullable(),
  priority: z.number().int(),
  uploaded: z.boolean(),
  evaluations: z.number().int(),
  budget: z.number().int(),
  progress: z.array(z.object({ device: z.string(), explored: z.number().int(), budget: z.number().int() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const uploadAnswer = z.object({ upload: z.string(), files: z.array(z.string()) });

export const evaluationRowSchema = z.object({
  id: z.number().int(),
  device: z.string(),
  purpose: z.enum(["explore", "confirm"]),
  variantHash: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  status: z.string(),
  medianMs: z.number().nullable(),
  ci95Ms: z.tuple([z.number(), z.number()]).nullable(),
  createdAt: z.string(),
});
