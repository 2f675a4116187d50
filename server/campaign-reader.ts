// What the API shows of a campaign, read from the store the campaigns write: list rows, the detail (per
// device the best accepted variant with its interval and evidence, the baseline, failures by kind, the
// critic's ledger), evaluations, convergence points and report files. One long-lived store handle serves
// every request; its per-campaign cache reads only rows added since the last request.

import type { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { countedEvaluations } from "../agents/history.ts";
import { campaignOutcome, type DeviceOutcome } from "../graphs/campaign-outcome.ts";
import { openCheckpoints, requireCampaign } from "../graphs/checkpoints.ts";
import { evaluationRow, type EvaluationRow } from "../results/evaluation-rows.ts";
import type { Headline } from "../results/headline.ts";
import { writeReport, type ReportFiles } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { bestVerifiedPerDevice, convergence, failuresByKind, ledgerLessons, type ConvergencePoint, type FailureCount, type LedgerLesson } from "../results/summary.ts";
import type { CampaignRecord, Store } from "../results/types.ts";
import type { Job, JobState } from "./jobs.ts";

export interface CampaignRow {
  id: string;
  spec: string;
  devices: string[];
  /** The daemon's state of it: queued, running, paused, cancelled, finished, failed. */
  state: JobState;
  reason: string | null;
  /** What the store says (running, finished, failed) and why it stopped, as `nightshift list` shows it. */
  storeState: CampaignRecord["state"];
  stopReason: CampaignRecord["stopReason"];
  priority: number;
  uploaded: boolean;
  evaluations: number;
  budget: number;
  progress: Array<{ device: string; explored: number; budget: number }>;
  createdAt: string;
  updatedAt: string;
}

export interface DeviceDetail {
  device: string;
  explored: number;
  budget: number;
  confirms: number;
  stopReason: DeviceOutcome["stopReason"];
  baseline: DeviceOutcome["baseline"];
  best: {
    params: Record<string, string | number | boolean>;
    variantHash: string;
    medianMs: number;
    ci95Ms: [number, number];
    samples: number;
    measurements: number;
    /** False when its numbers were replayed from recorded data rather than built, run and checked now. */
    verified: boolean;
    /** The critic's verdict that accepted it (the evidence). */
    verdict: string;
  } | null;
  speedup: number | null;
  speedupCi: [number, number] | null;
  /** The campaign's one headline for the device (results/headline.ts): what the CLI and the report show. */
  headline: Headline;
  failures: FailureCount[];
  diagnosis: string | null;
}

export interface CampaignDetail extends CampaignRow {
  strategy: string;
  seed: number;
  batchSize: number;
  timeBudgetSeconds: number | null;
  models: Record<string, string> | null;
  perDevice: DeviceDetail[];
  ledger: LedgerLesson[];
}

/**
 * How stale a running campaign's detail may be. Computing it reads the checkpoint and every evaluation (tens of
 * ms on a long campaign), and hundreds of clients polling must not make the daemon compute it for each of them.
 */
const DETAIL_MAX_AGE_MS = 1000;

export class CampaignReader {
  readonly store: Store;
  private readonly saver: SqliteSaver;
  private readonly details = new Map<string, { states: string; evaluations: number; at: number; detail: Promise<CampaignDetail> }>();

  constructor(dbPath: string) {
    this.store = openStore(dbPath);
    this.saver = openCheckpoints(this.store.path);
  }

  record(id: string): CampaignRecord {
    return requireCampaign(this.store, id);
  }

  row(job: Job): CampaignRow {
    const record = this.record(job.campaignId);
    const { config } = record;
    const progress = config.devices.map((device) => ({ device, explored: countedEvaluations(this.store, record.id, device).length, budget: config.budget }));
    return {
      id: record.id,
      spec: config.specName,
      devices: config.devices,
      state: job.state,
      reason: job.reason,
      storeState: record.state,
      stopReason: record.stopReason,
      priority: job.priority,
      uploaded: job.uploaded,
      evaluations: progress.reduce((n, p) => n + p.explored, 0),
      budget: config.budget * config.devices.length,
      progress,
      createdAt: record.createdAt,
      updatedAt: job.updatedAt > record.updatedAt ? job.updatedAt : record.updatedAt,
    };
  }

  /**
   * The detail: computed again when the campaign's state changed, else at most once per DETAIL_MAX_AGE_MS while
   * evaluations arrive (requests meanwhile share one computation); the list row's progress is always fresh.
   */
  async detail(job: Job): Promise<CampaignDetail> {
    const id = job.campaignId;
    const record = this.record(id);
    const evaluations = this.store.evaluations(id).length;
    const states = `${job.state}|${job.updatedAt}|${record.state}|${record.updatedAt}`;
    let cached = this.details.get(id);
    if (!cached || cached.states !== states || (cached.evaluations !== evaluations && Date.now() - cached.at >= DETAIL_MAX_AGE_MS)) {
      const detail = this.computeDetail(job, record);
      cached = { states, evaluations, at: Date.now(), detail };
      this.details.set(id, cached);
      detail.catch(() => this.details.delete(id));
    }
    return { ...(await cached.detail), ...this.row(job) };
  }

  private async computeDetail(job: Job, record: CampaignRecord): Promise<CampaignDetail> {
    const id = record.id;
    const evaluations = this.store.evaluations(id);
    const accepted = this.store.incumbents(id);
    const outcome = await campaignOutcome(this.store, id, this.saver);
    const winners = bestVerifiedPerDevice(evaluations, accepted);
    const perDevice = outcome.devices.map((d): DeviceDetail => {
      const best = winners.get(d.device);
      return {
        device: d.device,
        explored: d.evaluations,
        budget: record.config.budget,
        confirms: d.confirms,
        stopReason: d.stopReason,
        baseline: d.baseline,
        best: best
          ? { params: best.params, variantHash: best.variantHash, medianMs: best.medianMs, ci95Ms: best.ci95Ms, samples: best.samples, measurements: best.measurements, verified: !best.replayed, verdict: best.acceptedVerdict }
          : null,
        speedup: d.speedup,
        speedupCi: d.speedupCi,
        headline: d.headline,
        failures: failuresByKind(evaluations, d.device),
        diagnosis: d.diagnosis,
      };
    });
    const { config } = record;
    const detail: CampaignDetail = {
      ...this.row(job),
      strategy: config.strategy,
      seed: config.seed,
      batchSize: config.batchSize,
      timeBudgetSeconds: config.timeBudgetSeconds ?? null,
      models: config.models ?? null,
      perDevice,
      ledger: ledgerLessons(this.store.ledger(id), this.store.evaluations(id)).slice(0, 50),
    };
    return detail;
  }

  evaluations(id: string, after: number, device: string | undefined, limit: number): EvaluationRow[] {
    this.record(id);
    const rows: EvaluationRow[] = [];
    for (const e of this.store.evaluations(id, device !== undefined ? { device } : {})) {
      if (e.id <= after) continue;
      rows.push(evaluationRow(e));
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /** Best-so-far per exploration step and device, the points the report's plot draws. */
  convergence(id: string): Record<string, ConvergencePoint[]> {
    const record = this.record(id);
    const evaluations = this.store.evaluations(id);
    const accepted = this.store.incumbents(id);
    return Object.fromEntries(record.config.devices.map((device) => [device, convergence(evaluations, device, accepted)]));
  }

  writeReport(id: string, outDir: string): ReportFiles {
    this.record(id);
    return writeReport(this.store, id, outDir);
  }

  close(): void {
    this.saver.db.close();
    this.store.close();
  }
}
