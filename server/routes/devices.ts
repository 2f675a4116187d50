// The daemon's devices with their health: the shared lane's state (up, down, refused; faults; timing-slot
// use) and the last health check, the same facts `nightshift devices check` prints.

import { deviceQuery } from "../api-schemas.ts";
import { defineRoute, type RouteSpec } from "../route.ts";

export const deviceRoutes: RouteSpec[] = [
  defineRoute({
    method: "GET",
    url: "/v1/devices",
    summary: "This daemon's devices: name, reach, lane health and the last health check (null until POST /v1/devices/check ran).",
    access: "read",
    responses: { 200: { description: "The devices." } },
    handle: (_input, ctx) => ctx.control.devices(),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/devices/check",
    summary: "Runs `devices check` on every device (or ?device=NAME): reachability, latency, tools and limits against the profile.",
    access: "admin",
    query: deviceQuery,
    responses: { 200: { description: "One report per device: {device, at, report}." } },
    handle: ({ query }, ctx) => ctx.control.checkDevices(query.device),
  }),
];
