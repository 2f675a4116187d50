// The daemon's HTTP side (fastify): request ids on every answer and in every log line, rate limits and body
// limits on every route, the token check, one JSON error shape for every refusal, and the routes.

import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { describeValue, isNightshiftError } from "../core/errors.ts";
import { requireTokens } from "./auth.ts";
import type { DaemonContext } from "./context.ts";
import { asClientError, HttpError } from "./http-error.ts";
import { openApiRoute } from "./openapi.ts";
import { registerRoute } from "./route.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { API_ROUTES } from "./routes/index.ts";
import { TARBALL_TYPES } from "./routes/specs.ts";
import type { Tokens } from "./tokens.ts";

export interface HttpOptions {
  tokens: Tokens;
  /** Requests per minute per client address, every route. */
  rateLimitPerMinute: number;
  /** Bytes of a request body, except uploads (ctx.uploadLimits.bodyBytes). */
  bodyLimit: number;
  logger: FastifyBaseLogger;
}

/** Errors fastify raises before a handler runs, as the one error shape. */
function fromFastify(error: FastifyError, bodyLimit: number, contentType: string | undefined): HttpError | null {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpError(413, "REQUEST_TOO_LARGE", "body", `at most ${bodyLimit} bytes on this route`, "a larger body");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpError(415, "REQUEST_INVALID", "content-type", `application/json (or ${TARBALL_TYPES.join(", ")} where a route takes a tarball)`, describeValue(contentType));
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HttpError(400, "REQUEST_INVALID", "body", "a JSON object", "an empty body sent as application/json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HttpError(400, "REQUEST_INVALID", "content-length", "the body's length", "another number");
  }
  if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return new HttpError(400, "REQUEST_INVALID", "body", "a JSON object", `text that does not parse as JSON (${error.message})`);
  }
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 ? new HttpError(status, "REQUEST_INVALID", "request", "a well-formed HTTP request", error.message) : null;
}

export async function buildHttpApp(ctx: DaemonContext, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit,
    // Event streams stay open: closing the daemon must not wait for clients to leave.
    forceCloseConnections: true,
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("cache-control", "no-store");
  });
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => new HttpError(429, "RATE_LIMITED", "request", `at most ${context.max} requests a minute from one client`, `more (retry in ${context.after})`),
  });
  requireTokens(app, options.tokens);
  // JSON and tarballs only: fastify's text/plain parser would let text through as a string.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(TARBALL_TYPES, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const refused = error instanceof HttpError ? error : isNightshiftError(error) ? asClientError(error, "request") : fromFastify(error, request.routeOptions.bodyLimit ?? options.bodyLimit, request.headers["content-type"]);
    if (refused) {
      request.log.info({ code: refused.code, field: refused.field, status: refused.status }, "request refused");
      return reply.code(refused.status).send(refused.body());
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ error: { code: "INTERNAL", field: "", expected: "", received: "", message: `internal error: the daemon's log has it under request id ${request.id}` } });
  });
  app.setNotFoundHandler((request) => {
    throw new HttpError(404, "NOT_FOUND", "url", "a route of the API (GET /openapi.json lists them)", describeValue(`${request.method} ${request.url.split("?")[0]}`));
  });
  for (const route of [...API_ROUTES, openApiRoute, ...dashboardRoutes]) registerRoute(app, route, ctx);
  return app;
}
