// Server-sent events over a raw response: the hub's events as they happen, a comment every few seconds so
// proxies keep the connection, and every stream ended when the daemon stops (open streams would hold it up).

import type { FastifyReply, FastifyRequest } from "fastify";
import type { EventHub } from "./event-hub.ts";

const HEARTBEAT_MS = 15_000;

export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly hub: EventHub) {}

  /** Takes the response over and streams `campaignId`'s events (all campaigns' with null) until the client leaves. */
  stream(request: FastifyRequest, reply: FastifyReply, campaignId: string | null): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    raw.write(": nightshift events\n\n");
    const lastId = typeof request.headers["last-event-id"] === "string" ? request.headers["last-event-id"] : null;
    const unsubscribe = this.hub.subscribe(campaignId, lastId, (e) => {
      raw.write(`id: ${e.id}\nevent: ${e.event.type}\ndata: ${e.json}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(": ping\n\n"), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    this.open.add(end);
    request.raw.on("close", end);
  }

  get count(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
