// Prometheus text for /metrics: the queue, evaluations per minute per device over the last minute, results
// by kind per device since the daemon started, devices' health and timing-slot use, open event streams.

import type { CampaignEvent } from "../agents/context.ts";
import type { LaneStatus } from "../runners/lane.ts";
import type { JobState } from "./jobs.ts";

const WINDOW_MS = 60_000;

export interface MetricsSnapshot {
  jobs: Partial<Record<JobState, number>>;
  lanes: LaneStatus[];
  streams: number;
}

const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class DaemonMetrics {
  private readonly recent = new Map<string, number[]>();
  private readonly results = new Map<string, number>();

  observe(event: CampaignEvent, now = Date.now()): void {
    if (event.type !== "evaluation") return;
    const times = this.recent.get(event.device) ?? [];
    times.push(now);
    this.recent.set(event.device, times);
    const key = `${event.device}\u0000${event.status}`;
    this.results.set(key, (this.results.get(key) ?? 0) + 1);
  }

  render(snapshot: MetricsSnapshot, now = Date.now()): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: Array<[Record<string, string>, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) {
        const text = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(",");
        lines.push(`${name}${text ? `{${text}}` : ""} ${Number.isFinite(value) ? value : 0}`);
      }
    };
    metric("nightshift_queue_length", "gauge", "Campaigns waiting for a run slot.", [[{}, snapshot.jobs.queued ?? 0]]);
    metric("nightshift_campaigns", "gauge", "Campaigns by queue state.", Object.entries(snapshot.jobs).map(([state, n]) => [{ state }, n ?? 0]));
    for (const [device, times] of this.recent) this.recent.set(device, times.filter((t) => now - t <= WINDOW_MS));
    metric("nightshift_evaluations_per_minute", "gauge", "Evaluations committed per device over the last minute.", [...this.recent].map(([device, times]) => [{ device }, times.length]));
    const byKind = [...this.results].map(([key, n]): [Record<string, string>, number] => {
      const [device, status] = key.split("\u0000") as [string, string];
      return [{ device, status }, n];
    });
    metric("nightshift_evaluations_total", "counter", "Evaluations committed since the daemon started, by device and result kind.", byKind);
    metric("nightshift_failures_total", "counter", "Failed evaluations since the daemon started, by device and failure kind.", byKind.filter(([l]) => l.status !== "ok").map(([l, n]) => [{ device: l.device!, kind: l.status! }, n]));
    metric("nightshift_device_up", "gauge", "1 when the device's lane is up, 0 when down or refused.", snapshot.lanes.map((l) => [{ device: l.device, state: l.state }, l.state === "up" ? 1 : 0]));
    metric("nightshift_timing_busy_seconds", "counter", "Seconds the device's timing slot was busy.", snapshot.lanes.map((l) => [{ device: l.device }, l.timingBusyMs / 1000]));
    metric("nightshift_event_streams", "gauge", "Open server-sent event streams.", [[{}, snapshot.streams]]);
    return `${lines.join("\n")}\n`;
  }
}
