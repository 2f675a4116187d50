// One route of the daemon's API as data: method, path, who may call it, its input schemas (zod, strict) and
// what it answers. The same table registers the fastify routes and writes the OpenAPI document
// (openapi.ts), so the published document cannot drift from what the daemon does.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { DaemonContext } from "./context.ts";
import { HttpError } from "./http-error.ts";
import { parseInput, requireSafeStrings } from "./request-checks.ts";

/** Who may call a route: anyone (health, the dashboard's static files), a read token, or an admin token only. */
export type Access = "public" | "read" | "admin";

export interface ResponseDoc {
  description: string;
  /** Default application/json. */
  contentType?: string;
  schema?: z.ZodType;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: "GET" | "POST";
  /** fastify's syntax: /v1/campaigns/:id */
  url: string;
  summary: string;
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Body content types taken as raw bytes (an uploaded tarball), handed to the handler as a Buffer. */
  rawBody?: { contentTypes: string[]; description: string };
  /** Body fields whose values are file contents, not text the daemon interprets (their keys are still checked). */
  opaqueBodyFields?: string[];
  /** True for an upload: its body may be as large as the daemon's upload limit, not the small default. */
  upload?: boolean;
  /** Left out of the OpenAPI document (the dashboard's static files). */
  hidden?: boolean;
  responses: Record<number, ResponseDoc>;
  handle(input: RouteInput<P, Q, B>, ctx: DaemonContext): unknown;
}

/** Keeps the generic types of one route while the table holds routes of many. */
export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function checked<T>(schema: z.ZodType<T> | undefined, raw: unknown, where: string, opaque: readonly string[] = []): T {
  const empty = raw === undefined || raw === null || (typeof raw === "object" && Object.keys(raw).length === 0);
  if (!schema) {
    if (!empty) throw new HttpError(400, "REQUEST_INVALID", where || "body", "nothing", "content");
    return undefined as T;
  }
  requireSafeStrings(raw, where, opaque);
  return parseInput(schema, raw ?? {}, where);
}

export function registerRoute(app: FastifyInstance, spec: RouteSpec, ctx: DaemonContext): void {
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.upload ? { bodyLimit: ctx.uploadLimits.bodyBytes } : {}),
    config: { access: spec.access },
    handler: async (request, reply) => {
      const params = checked(spec.params, request.params, "params");
      const query = checked(spec.query, request.query, "query");
      const body = Buffer.isBuffer(request.body) && spec.rawBody ? request.body : checked(spec.body, request.body, "", spec.opaqueBodyFields);
      return spec.handle({ params, query, body, request, reply }, ctx);
    },
  });
}
