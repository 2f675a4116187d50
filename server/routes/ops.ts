// Operations: the health check (the one route without a token), Prometheus metrics and the API's own
// OpenAPI document.

import { z } from "zod";
import { defineRoute, type RouteSpec } from "../route.ts";

export const opsRoutes: RouteSpec[] = [
  defineRoute({
    method: "GET",
    url: "/healthz",
    summary: "Liveness: answers while the daemon runs. No token needed; says nothing about campaigns.",
    access: "public",
    responses: { 200: { description: "Alive.", schema: z.object({ status: z.literal("ok") }) } },
    handle: () => ({ status: "ok" }),
  }),
  defineRoute({
    method: "GET",
    url: "/metrics",
    summary: "Prometheus text: queue length, campaigns by state, evaluations per minute per device, evaluations and failures by kind, device health.",
    access: "read",
    responses: { 200: { description: "Prometheus exposition format.", contentType: "text/plain; version=0.0.4" } },
    handle: async ({ reply }, ctx) => {
      reply.type("text/plain; version=0.0.4; charset=utf-8");
      return ctx.metrics.render({ jobs: ctx.jobs.counts(), lanes: await ctx.control.laneStatuses(), streams: ctx.streams.count });
    },
  }),
];
