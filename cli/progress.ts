// Live progress of a campaign. On a terminal: one line per device redrawn in place (evaluations against
// the budget, best so far and its speedup over the baseline, failures by kind, ETA). Without one: plain
// pino lines on stderr, so stdout stays free for --json.

import pino from "pino";
import type { CampaignEvent } from "../agents/context.ts";
import { describeStop } from "../graphs/campaign-outcome.ts";

interface DeviceLine {
  explored: number;
  /** Explored when this session began, for the rate behind the ETA. */
  exploredAtStart: number;
  baselineMs: number | null;
  bestMs: number | null;
  failures: Record<string, number>;
  stopped: string | null;
}

export interface Progress {
  onEvent(event: CampaignEvent): void;
  /** Clears the redraw timer; the last frame stays on screen. */
  finish(): void;
}

const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
};

export function progressLine(device: string, line: DeviceLine, budget: number, elapsedMs: number): string {
  const best = line.bestMs !== null ? `best ${line.bestMs.toFixed(4)} ms` : "best --";
  const speedup = line.bestMs !== null && line.baselineMs !== null ? ` (${(line.baselineMs / line.bestMs).toFixed(2)}x)` : "";
  const kinds = Object.entries(line.failures).filter(([, n]) => n > 0);
  const failures = kinds.length > 0 ? `failed: ${kinds.map(([k, n]) => `${k} ${n}`).join(", ")}` : "failed: 0";
  const done = line.explored - line.exploredAtStart;
  const eta = line.stopped ? `stopped: ${line.stopped}` : done > 0 ? `ETA ${formatDuration((elapsedMs / done) * (budget - line.explored))}` : "ETA --";
  // Most important first, so a narrow terminal cuts the least useful part.
  return `${device} ${line.explored}/${budget} | ${best}${speedup} | ${eta} | ${failures}`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const lines = new Map<string, DeviceLine>();
  let budget = 0;
  let started = Date.now();
  const tty = stream.isTTY === true;
  const logger = pino({ base: undefined, level: process.env.NIGHTSHIFT_LOG_LEVEL ?? "info" }, pino.destination({ fd: 2, sync: true }));
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;
  let finished = false;

  const draw = (): void => {
    if (finished) return;
    const text = [...lines].map(([device, line]) => progressLine(device, line, budget, Date.now() - started).slice(0, (stream.columns ?? 200) - 1));
    // Move up over the previous frame and rewrite every line, clearing what was there.
    stream.write((drawn > 0 ? `\x1b[${drawn}F` : "") + text.map((t) => `\x1b[2K${t}\n`).join(""));
    drawn = text.length;
  };

  const onEvent = (event: CampaignEvent): void => {
    if (event.type === "started") {
      budget = event.budget;
      started = Date.now();
      for (const d of event.devices) {
        lines.set(d.device, {
          explored: d.explored,
          exploredAtStart: d.explored,
          baselineMs: d.baselineMs,
          bestMs: d.bestMs,
          failures: { ...d.failures } as Record<string, number>,
          stopped: null,
        });
      }
      if (tty) timer = setInterval(draw, 1000).unref();
      else logger.info({ campaign: event.campaignId, budget, devices: event.devices.map((d) => `${d.device} (${d.explored} done)`) }, "campaign started");
    }
    if (event.type === "evaluation") {
      const line = lines.get(event.device);
      if (line && event.purpose === "explore" && event.status !== "infra_error") {
        line.explored++;
        if (event.status !== "ok") line.failures[event.status] = (line.failures[event.status] ?? 0) + 1;
      }
      if (!tty) {
        logger.info(
          { device: event.device, purpose: event.purpose, variant: event.variantHash, params: event.params, status: event.status, medianMs: event.medianMs, explored: line?.explored, budget },
          event.status === "ok" ? "measured" : event.message,
        );
      }
    }
    if (event.type === "accepted") {
      const line = lines.get(event.device);
      if (line) {
        line.bestMs = event.incumbent.medianMs;
        if (line.baselineMs === null && event.speedup !== null) line.baselineMs = event.incumbent.medianMs * event.speedup;
      }
      if (!tty) logger.info({ device: event.device, params: event.incumbent.params, medianMs: event.incumbent.medianMs, speedup: event.speedup }, event.reason);
    }
    if (event.type === "library" && !tty) {
      logger.info({ device: event.device, library: event.name, status: event.status, medianMs: event.medianMs }, event.status === "ok" ? `library baseline ${event.name} measured` : `library baseline ${event.name}: ${event.message}`);
    }
    if (event.type === "note") {
      // Notes are rare and worth keeping on screen: on a terminal they go above the redrawn lines.
      if (tty && drawn > 0) {
        stream.write(`\x1b[${drawn}F\x1b[J`);
        drawn = 0;
      }
      logger.warn({ device: event.device }, event.message);
    }
    if (event.type === "demoted") {
      const line = lines.get(event.device);
      if (line) line.bestMs = event.incumbent?.medianMs ?? null;
      if (!tty) logger.warn({ device: event.device, variant: event.variantHash }, event.reason);
    }
    if (event.type === "proof" && !tty) {
      const what = event.status === "proved" ? `proved equivalent to the reference at ${event.sizes} sizes` : `proof ${event.status}: ${event.reason}`;
      logger.info({ device: event.device, variant: event.variantHash, proof: event.status }, what);
    }
    if (event.type === "rejected" && !tty) logger.info({ device: event.device, variant: event.variantHash }, event.reason);
    if (event.type === "device_stopped") {
      const line = lines.get(event.device);
      if (line) line.stopped = event.reason;
      if (!tty) logger.info({ device: event.device, reason: event.reason }, `device stopped: ${describeStop(event.reason)}`);
    }
    if (tty && event.type !== "round") draw();
  };

  return {
    onEvent,
    finish: () => {
      if (timer) clearInterval(timer);
      if (tty && lines.size > 0) draw();
      finished = true;
    },
  };
}
