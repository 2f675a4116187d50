// The check every request passes before its handler: a bearer token of the kind the route needs. Public
// routes (the health check, the dashboard's static files, which hold no data) need none. An unknown route
// needs a read token too, so the API cannot be mapped without one.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "./http-error.ts";
import type { Access } from "./route.ts";
import { tokenKind, type Tokens } from "./tokens.ts";

const BEARER = /^Bearer ([^\s]+)$/;

function accessOf(request: FastifyRequest): Access {
  const access = (request.routeOptions.config as { access?: Access } | undefined)?.access;
  return access ?? "read";
}

export function requireTokens(app: FastifyInstance, tokens: Tokens): void {
  app.addHook("onRequest", async (request, reply) => {
    const access = accessOf(request);
    if (access === "public") return;
    const header = request.headers.authorization;
    const field = "authorization";
    const expected = "a header 'Authorization: Bearer <token>' with the daemon's token";
    if (header === undefined || header === "") {
      reply.header("www-authenticate", 'Bearer realm="nightshift"');
      throw new HttpError(401, "AUTH_REQUIRED", field, expected, "nothing");
    }
    const match = BEARER.exec(header);
    if (!match) {
      reply.header("www-authenticate", 'Bearer realm="nightshift"');
      throw new HttpError(401, "AUTH_REQUIRED", field, expected, "a header that is not 'Bearer <token>'");
    }
    const kind = tokenKind(tokens, match[1]!);
    if (kind === null) {
      reply.header("www-authenticate", 'Bearer realm="nightshift", error="invalid_token"');
      throw new HttpError(401, "AUTH_REQUIRED", field, expected, "a token the daemon does not know");
    }
    if (access === "admin" && kind !== "admin") throw new HttpError(403, "AUTH_FORBIDDEN", field, "an admin token (this route changes campaigns)", "a read token");
  });
}
