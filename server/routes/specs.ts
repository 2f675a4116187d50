// Uploading a spec: a tarball (application/x-tar or application/gzip) or JSON {files: {name: text}}. The
// answer's id goes into a submit as spec.upload.

import { uploadAnswer, uploadBody } from "../api-schemas.ts";
import { defineRoute, type RouteSpec } from "../route.ts";
import { filesOfJson, filesOfTarball, storeUpload } from "../uploads.ts";

export const TARBALL_TYPES = ["application/x-tar", "application/gzip", "application/x-gzip"];

export const specRoutes: RouteSpec[] = [
  defineRoute({
    method: "POST",
    url: "/v1/specs",
    summary: "Upload a spec (kernel.json with its sources, or one T1 tuning-space file). Nothing in it is run here; an uploaded spec may be submitted to replay devices only.",
    access: "admin",
    body: uploadBody,
    rawBody: { contentTypes: TARBALL_TYPES, description: "A tar archive, plain or gzip-compressed: regular files and folders only." },
    opaqueBodyFields: ["files"],
    upload: true,
    responses: { 201: { description: "Stored (or already there: the id is the content's hash).", schema: uploadAnswer }, 400: { description: "A bad entry, named." }, 413: { description: "Too large." } },
    handle: async ({ body, reply }, ctx) => {
      const files = Buffer.isBuffer(body) ? await filesOfTarball(body, ctx.uploadLimits) : filesOfJson(body.files, ctx.uploadLimits);
      const stored = storeUpload(ctx.uploadsDir, files);
      reply.code(201);
      return { upload: stored.id, files: stored.files };
    },
  }),
];
