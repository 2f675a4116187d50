// The daemon's HTTP side, in its own worker thread: the API and the dashboard, reads served straight from the
// store, event streams fed by the main thread's campaign events, and every change asked of the main thread
// through the control (control.ts). Started and stopped by daemon.ts.

import { parentPort, workerData } from "node:worker_threads";
import type { CampaignEvent } from "../agents/context.ts";
import { fail, isNightshiftError, type ErrorCode } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { CampaignReader } from "./campaign-reader.ts";
import type { DaemonContext } from "./context.ts";
import { controlOver } from "./control.ts";
import { EventHub, type StateEvent } from "./event-hub.ts";
import { buildHttpApp } from "./http-app.ts";
import { JobStore, jobsPath } from "./jobs.ts";
import { DaemonMetrics } from "./metrics.ts";
import { EventStreams } from "./sse.ts";
import type { Tokens } from "./tokens.ts";
import type { UploadLimits } from "./uploads.ts";

/** What daemon.ts hands the worker. */
export interface HttpWorkerData {
  host: string;
  port: number;
  dbPath: string;
  uploadsDir: string;
  reportsDir: string;
  tokens: Tokens;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  uploadLimits: UploadLimits & { bodyBytes: number };
}

/** Messages from the main thread besides control replies. */
export type ToHttpWorker = { kind: "event"; campaignId: string; event: CampaignEvent | StateEvent } | { kind: "stop" };
/** Messages to the main thread besides control calls. */
export type FromHttpWorker = { kind: "listening"; url: string } | { kind: "failed"; code: ErrorCode; message: string } | { kind: "stopped" };

const port = parentPort ?? fail("INTERNAL", "http-worker: expected to run in a worker thread, received the main thread");
const data = workerData as HttpWorkerData;
const send = (message: FromHttpWorker) => port.postMessage(message);

try {
  const jobs = new JobStore(jobsPath(data.dbPath));
  const reader = new CampaignReader(data.dbPath);
  const hub = new EventHub();
  const metrics = new DaemonMetrics();
  const ctx: DaemonContext = {
    dbPath: data.dbPath,
    jobs,
    reader,
    hub,
    streams: new EventStreams(hub),
    metrics,
    control: controlOver(port),
    uploadsDir: data.uploadsDir,
    reportsDir: data.reportsDir,
    uploadLimits: data.uploadLimits,
  };
  const logger = log.child({ component: "daemon" }, { redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" } });
  const app = await buildHttpApp(ctx, { tokens: data.tokens, rateLimitPerMinute: data.rateLimitPerMinute, bodyLimit: data.bodyLimitBytes, logger });
  await app.listen({ host: data.host, port: data.port });
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : data.port;
  port.on("message", (message: unknown) => {
    const m = message as ToHttpWorker;
    if (m.kind === "event") {
      if (m.event.type !== "state") metrics.observe(m.event);
      hub.publish(m.campaignId, m.event);
    } else if (m.kind === "stop") {
      ctx.streams.closeAll();
      void app.close().then(() => {
        reader.close();
        jobs.close();
        send({ kind: "stopped" });
      });
    }
  });
  send({ kind: "listening", url: `http://${data.host.includes(":") ? `[${data.host}]` : data.host}:${bound}` });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES") {
    send({ kind: "failed", code: "USAGE", message: `--listen: expected an address this machine can listen on, received ${data.host}:${data.port} (${code})` });
  } else send({ kind: "failed", code: isNightshiftError(error) ? error.code : "INTERNAL", message: error instanceof Error ? error.message : String(error) });
}
