// Progress as server-sent events: every campaign event (started, evaluation, accepted, rejected, demoted,
// device_stopped, note, round) and every queue state change, with ids a reconnecting client sends back as
// Last-Event-ID to get what it missed.

import { campaignParams } from "../api-schemas.ts";
import { defineRoute, type RouteSpec } from "../route.ts";
import { jobOf } from "./campaigns.ts";

const STREAM = {
  description: "text/event-stream: `event:` is the event's type, `data:` its JSON ({campaignId, at, type, ...}).",
  contentType: "text/event-stream",
};

export const eventRoutes: RouteSpec[] = [
  defineRoute({
    method: "GET",
    url: "/v1/events",
    summary: "Events of every campaign, as they happen.",
    access: "read",
    responses: { 200: STREAM },
    handle: ({ request, reply }, ctx) => ctx.streams.stream(request, reply, null),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/events",
    summary: "Events of one campaign, as they happen.",
    access: "read",
    params: campaignParams,
    responses: { 200: STREAM, 404: { description: "No campaign with that id." } },
    handle: ({ params, request, reply }, ctx) => {
      jobOf(ctx, params.id);
      ctx.streams.stream(request, reply, params.id);
    },
  }),
];
