// The dashboard's static files (web/): plain HTML, CSS and ES modules, no build step. They hold no data and
// are the same for everyone, so they need no token (a browser cannot send one when it opens a page); every
// piece of data they show comes from the API with the token the user typed in.

import { readFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { z } from "zod";
import { describeValue } from "../../core/errors.ts";
import { HttpError } from "../http-error.ts";
import { defineRoute, type RouteSpec } from "../route.ts";

export const WEB_DIR = resolve(import.meta.dirname, "..", "..", "web");
const FILES = ["index.html", "app.js", "api.js", "plot.js", "views.js", "style.css"];
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(name: string, reply: Parameters<RouteSpec["handle"]>[0]["reply"]): Buffer {
  reply.header("content-security-policy", CSP);
  reply.header("cache-control", "no-cache");
  reply.type(TYPES[extname(name)]!);
  return readFileSync(join(WEB_DIR, name));
}

export const dashboardRoutes: RouteSpec[] = [
  defineRoute({
    method: "GET",
    url: "/",
    summary: "The dashboard.",
    access: "public",
    hidden: true,
    responses: { 200: { description: "HTML", contentType: "text/html" } },
    handle: ({ reply }) => send("index.html", reply),
  }),
  defineRoute({
    method: "GET",
    url: "/favicon.ico",
    summary: "No icon (answered, so a browser's request for one is not a failed login).",
    access: "public",
    hidden: true,
    responses: { 204: { description: "Nothing." } },
    handle: ({ reply }) => reply.code(204).send(),
  }),
  defineRoute({
    method: "GET",
    url: "/web/:file",
    summary: "The dashboard's scripts and styles.",
    access: "public",
    hidden: true,
    params: z.strictObject({ file: z.string().regex(/^[a-z-]+\.(js|css|html)$/, "a dashboard file name") }),
    responses: { 200: { description: "A static file." } },
    handle: ({ params, reply }) => {
      if (!FILES.includes(params.file)) throw new HttpError(404, "NOT_FOUND", "file", `one of the dashboard's files (${FILES.join(", ")})`, describeValue(params.file));
      return send(params.file, reply);
    },
  }),
];
