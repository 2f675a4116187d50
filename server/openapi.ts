// The OpenAPI 3.1 document of the daemon's API, generated from the route table (routes/index.ts) and its zod
// schemas, served at /openapi.json and committed as docs/openapi.json (a test keeps the two equal).
// `npx tsx server/openapi.ts --write` rewrites the committed file; without --write it checks it.

import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { errorBody } from "./api-schemas.ts";
import { defineRoute, type RouteSpec } from "./route.ts";
import { API_ROUTES } from "./routes/index.ts";

export const OPENAPI_FILE = join(resolve(import.meta.dirname, ".."), "docs", "openapi.json");

const jsonSchema = (schema: z.ZodType, io: "input" | "output") => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

function parameters(route: RouteSpec): object[] {
  const out: object[] = [];
  for (const [where, schema] of [["path", route.params], ["query", route.query]] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, "input") as { properties?: Record<string, object>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: property });
    }
  }
  return out;
}

function requestBody(route: RouteSpec): object | undefined {
  if (!route.body && !route.rawBody) return undefined;
  const content: Record<string, object> = {};
  if (route.body) content["application/json"] = { schema: jsonSchema(route.body, "input") };
  for (const type of route.rawBody?.contentTypes ?? []) content[type] = { schema: { type: "string", format: "binary", description: route.rawBody!.description } };
  return { required: true, content };
}

function responses(route: RouteSpec): Record<string, object> {
  const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  const out: Record<string, object> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const content = { [doc.contentType ?? "application/json"]: doc.schema ? { schema: jsonSchema(doc.schema, "output") } : {} };
    out[status] = Number(status) >= 400 ? error(doc.description) : { description: doc.description, content };
  }
  if (route.access !== "public") out["401"] ??= error("No token, or one the daemon does not know.");
  if (route.access === "admin") out["403"] ??= error("A read token on a route that changes something.");
  if (route.params || route.query || route.body) out["400"] ??= error("Bad input: the field, what was expected and what was received.");
  out["429"] = error("Rate limited.");
  return out;
}

/** The document itself, as a route. */
export const openApiRoute: RouteSpec = defineRoute({
  method: "GET",
  url: "/openapi.json",
  summary: "This document.",
  access: "read",
  responses: { 200: { description: "OpenAPI 3.1." } },
  handle: () => openApiDocument(),
});

export function openApiDocument(routes: readonly RouteSpec[] = [...API_ROUTES, openApiRoute]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes.filter((r) => !r.hidden)) {
    const path = route.url.replace(/:([A-Za-z]+)/g, "{$1}");
    const body = requestBody(route);
    const params = parameters(route);
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      "x-nightshift-access": route.access,
      security: route.access === "public" ? [] : [{ bearer: [] }],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: responses(route),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "nightshift daemon",
      version: "1",
      description:
        "Campaigns as a service (`nightshift serve`). Every route except /healthz needs `Authorization: Bearer <token>`: an admin token for routes that change something, a read token (or the admin token) for the rest. Errors answer {error: {code, field, expected, received, message}}. See docs/daemon.md.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "The daemon's admin or read token (docs/daemon.md)." } },
      schemas: { Error: jsonSchema(errorBody, "output") },
    },
    paths,
  };
}

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes("--write")) {
    writeFileSync(OPENAPI_FILE, openApiText());
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  } else {
    const same = readFileSync(OPENAPI_FILE, "utf8") === openApiText();
    process.stdout.write(same ? "docs/openapi.json is up to date\n" : "stale: docs/openapi.json (run with --write)\n");
    process.exitCode = same ? 0 : 1;
  }
}
