// A campaign's report files, written fresh from the store on each request (results/report.ts, the same as
// `nightshift report`): the Markdown report, the SVG convergence plot, the dispatch header and JSON.

import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { z } from "zod";
import { describeValue } from "../../core/errors.ts";
import { campaignParams, reportFileParams } from "../api-schemas.ts";
import type { DaemonContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { defineRoute, type RouteSpec } from "../route.ts";
import { jobOf } from "./campaigns.ts";

const TYPES: Record<string, string> = {
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".h": "text/x-c; charset=utf-8",
  ".json": "application/json",
  ".c": "text/x-c; charset=utf-8",
  ".cu": "text/x-c; charset=utf-8",
};

/** Writes the report (synchronously, so requests never see a half-written file) and lists its files. */
function writeFiles(ctx: DaemonContext, id: string): { dir: string; names: string[] } {
  jobOf(ctx, id);
  const dir = join(ctx.reportsDir, id);
  ctx.reader.writeReport(id, dir);
  return { dir, names: readdirSync(dir).sort() };
}

export const reportRoutes: RouteSpec[] = [
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/report",
    summary: "Writes the campaign's report from the store and lists its files with their download paths.",
    access: "read",
    params: campaignParams,
    responses: { 200: { description: "The report's files.", schema: z.object({ files: z.array(z.object({ name: z.string(), path: z.string(), contentType: z.string() })) }) } },
    handle: ({ params }, ctx) => ({
      files: writeFiles(ctx, params.id).names.map((name) => ({ name, path: `/v1/campaigns/${params.id}/report/${name}`, contentType: TYPES[extname(name)] ?? "application/octet-stream" })),
    }),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/report/:file",
    summary: "One report file: the Markdown report, the SVG convergence plot, the dispatch header or JSON, or a rewritten source.",
    access: "read",
    params: reportFileParams,
    responses: {
      200: { description: "The file, as an attachment.", contentType: "text/markdown, image/svg+xml, text/x-c, application/json" },
      404: { description: "No such campaign or file." },
    },
    handle: ({ params, reply }, ctx) => {
      const { dir, names } = writeFiles(ctx, params.id);
      if (!names.includes(params.file)) throw new HttpError(404, "NOT_FOUND", "file", `one of the report's files (${names.join(", ")})`, describeValue(params.file));
      // An SVG opened straight from the daemon must not run anything it might carry.
      reply.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
      reply.header("content-disposition", `attachment; filename="${params.file}"`);
      reply.type(TYPES[extname(params.file)] ?? "application/octet-stream");
      return readFileSync(join(dir, params.file));
    },
  }),
];
