// `nightshift serve`: the daemon put together. The main thread runs campaigns: one store for all of them, a
// job store beside it (queue states, timing windows), one lane per real device shared by every campaign, and
// the queue. A worker thread (http-worker.ts) serves the HTTP API and the dashboard, so campaigns never hold
// up a client; it reads the store itself and asks the main thread for every change (control.ts). Campaigns
// run through the same resumeCampaign as `nightshift resume`, so a queued, paused, killed or restarted
// campaign always continues from what the store holds.

import { mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { fail, NightshiftError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { resumeCampaign } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import { offlinePolicies, type PoliciesFor } from "./context.ts";
import { answerCalls, type DaemonControl } from "./control.ts";
import { DeviceRegistry, type DeviceCheck } from "./device-registry.ts";
import type { FromHttpWorker, HttpWorkerData, ToHttpWorker } from "./http-worker.ts";
import { JobStore, jobsPath } from "./jobs.ts";
import { CampaignScheduler, type CampaignControl } from "./scheduler.ts";
import { SharedDevices } from "./shared-devices.ts";
import { SpecRoots } from "./spec-paths.ts";
import { submitCampaign, type SubmitContext } from "./submit.ts";
import { loadTokens, type Tokens } from "./tokens.ts";

export interface DaemonOptions {
  host: string;
  port: number;
  /** Listening on anything but loopback needs this said explicitly (and TLS in front: docs/daemon.md). */
  allowRemote: boolean;
  dbPath: string;
  /** Device arguments as `--device` takes them; requests name devices by their profile names. */
  devices: string[];
  /** Folders whose spec folders and files clients may name. */
  specRoots: string[];
  maxRunning: number;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** How long SIGTERM lets evaluations in flight finish before it kills them. */
  shutdownGraceMs: number;
  checkDevice: DeviceCheck;
  policiesFor?: PoliciesFor;
  env?: NodeJS.ProcessEnv;
}

export interface Daemon {
  /** http://host:port */
  url: string;
  tokens: Tokens;
  dbPath: string;
  /** The queue states and timing windows (the main thread's handle). */
  jobs: JobStore;
  /** Campaigns taken up again from an earlier run. */
  recovered: number;
  /** Settles when the daemon has stopped: after stop(), or at once if its HTTP side failed (with that error). */
  ended: Promise<void>;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const WORKER = new URL("./http-worker.mjs", import.meta.url);

/** The daemon's own folder beside the store: uploads and written reports. */
export function daemonDataDir(dbPath: string): string {
  return join(dirname(dbPath), `${basename(dbPath).replace(/\.(db|sqlite3?)$/, "")}-daemon`);
}

/** Starts the HTTP worker; resolves with its URL once it listens. */
function startHttpWorker(data: HttpWorkerData, control: DaemonControl): Promise<{ worker: Worker; url: string }> {
  const worker = new Worker(WORKER, { workerData: data });
  answerCalls(worker, control);
  return new Promise((resolvePromise, reject) => {
    const onMessage = (message: FromHttpWorker) => {
      if (message.kind === "listening") resolvePromise({ worker, url: message.url });
      else if (message.kind === "failed") reject(new NightshiftError(message.code, message.message));
      else return;
      worker.off("message", onMessage);
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
    // Settles nothing once it listens; before that, an exit is a start that failed.
    worker.once("exit", (code) => reject(new NightshiftError("INTERNAL", `daemon: expected its HTTP worker to listen, received an exit with code ${code} before it did`)));
  });
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  if (!LOOPBACK.test(options.host) && !options.allowRemote) {
    fail("USAGE", `--listen: expected a loopback address (127.0.0.1, ::1) unless --allow-remote is given, received ${JSON.stringify(options.host)}; put TLS in front of it (docs/daemon.md)`);
  }
  const dbPath = resolve(options.dbPath);
  mkdirSync(dirname(dbPath), { recursive: true });
  const dataDir = daemonDataDir(dbPath);
  const uploadsDir = join(dataDir, "uploads");
  const reportsDir = join(dataDir, "reports");
  mkdirSync(uploadsDir, { recursive: true, mode: 0o700 });
  mkdirSync(reportsDir, { recursive: true, mode: 0o700 });
  const tokens = loadTokens(dbPath, options.env);
  const logger = log.child({ component: "daemon" });

  const store = openStore(dbPath);
  const jobs = new JobStore(jobsPath(dbPath));
  const shared = new SharedDevices((window) => jobs.recordTiming(window));
  const devices = await DeviceRegistry.load(options.devices, shared, options.checkDevice);
  const policiesFor = options.policiesFor ?? offlinePolicies;
  let worker: Worker | undefined;
  const toWorker = (message: ToHttpWorker) => worker?.postMessage(message);

  const run = async (campaignId: string, control: CampaignControl) => {
    const config = store.getCampaign(campaignId)?.config ?? fail("CAMPAIGN_NOT_FOUND", `campaign: expected ${campaignId} in ${dbPath}, received nothing`);
    const policies = policiesFor((config.options?.modelOptions as { model?: string } | undefined) ?? {}, config.strategy);
    try {
      return await resumeCampaign(campaignId, {
        dbPath,
        ...policies.parts,
        runnerFor: (profile, runnerOptions) => shared.runnerFor(profile, runnerOptions, control.share),
        signal: control.signal,
        onEvent: control.onEvent,
      });
    } finally {
      await policies.flush();
    }
  };
  const scheduler = new CampaignScheduler({
    jobs,
    maxRunning: options.maxRunning,
    run,
    publish: (campaignId, event) => toWorker({ kind: "event", campaignId, event }),
    // A cancelled campaign is over: `nightshift resume` then refuses it instead of running it behind the daemon's back.
    closeCancelled: (id) => store.setCampaignState(id, "finished", "interrupted"),
  });
  const submitContext: SubmitContext = { dbPath, specRoots: new SpecRoots(options.specRoots, [dataDir]), devices, policiesFor, uploadsDir, scheduler };
  const control: DaemonControl = {
    submit: (body) => submitCampaign(submitContext, body),
    pause: async (id) => scheduler.pause(id),
    resume: async (id) => scheduler.resume(id),
    cancel: async (id) => scheduler.cancel(id),
    devices: async () => devices.views(),
    checkDevices: (name) => devices.check(name),
    laneStatuses: async () => shared.statuses(),
  };

  const http = await startHttpWorker(
    {
      host: options.host,
      port: options.port,
      dbPath,
      uploadsDir,
      reportsDir,
      tokens,
      rateLimitPerMinute: options.rateLimitPerMinute,
      bodyLimitBytes: options.bodyLimitBytes,
      uploadLimits: { bodyBytes: options.uploadLimitBytes, maxFiles: 64, maxTotalBytes: 4 * options.uploadLimitBytes },
    },
    control,
  ).catch((error: unknown) => {
    jobs.close();
    store.close();
    throw error;
  });
  worker = http.worker;
  const recovered = scheduler.recover();
  logger.info({ url: http.url, store: dbPath, devices: devices.names(), specRoots: submitContext.specRoots.folders, tokens: tokens.file ?? "from the environment", recovered }, "daemon listening");

  let stopping: Promise<void> | undefined;
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolveEnded) => (ended = resolveEnded));
  const stop = () =>
    (stopping ??= (async () => {
      logger.info({ running: jobs.counts().running }, "daemon stopping: campaigns stop after their current step");
      await new Promise<void>((done) => {
        http.worker.on("message", (m: FromHttpWorker) => m.kind === "stopped" && done());
        http.worker.once("exit", () => done());
        toWorker({ kind: "stop" });
      });
      await http.worker.terminate();
      await scheduler.stop(options.shutdownGraceMs, () => shared.close());
      jobs.close();
      store.close();
      logger.info("daemon stopped");
      ended();
    })());
  // The HTTP side must not die alone: if it does, the daemon stops (its campaigns resume at the next start).
  http.worker.once("exit", (code) => {
    if (stopping) return;
    logger.error({ code }, "the daemon's HTTP side exited; stopping");
    void stop();
  });
  return { url: http.url, tokens, dbPath, jobs, recovered, ended: endedPromise, stop };
}
