// The convergence plot as hand-written SVG (no plotting dependency): best verified median so far against
// the evaluation index, one line per device, every ok measurement as a faint dot, and failures as
// distinct markers in a lane under the plot so they never hide the line.

import type { EvalStatus } from "../harness/types.ts";
import type { ConvergencePoint } from "./summary.ts";

export interface ConvergenceSeries {
  device: string;
  points: readonly ConvergencePoint[];
}

const WIDTH = 760;
const HEIGHT = 460;
const LEFT = 78;
const RIGHT = 190;
const TOP = 44;
const PLOT_BOTTOM = 330;
const LANE_ROW = 14;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/** A wide range hides the late, small improvements on a linear axis, so it switches to log. */
const LOG_RATIO = 10;

type Failure = Exclude<EvalStatus, "ok"> | "disqualified";
const FAILURE_LABEL: Record<Failure, string> = {
  disqualified: "ok, failed a later check",
  compile_error: "compile error",
  runtime_error: "runtime error",
  timeout: "timeout",
  wrong_result: "wrong result",
  rejected: "rejected",
  infra_error: "infrastructure error",
};

export function convergenceSvg(title: string, series: readonly ConvergenceSeries[]): string {
  const values = series.flatMap((s) => s.points.flatMap((p) => (p.valueMs !== null && p.valueMs > 0 ? [p.valueMs] : [])));
  const maxIndex = Math.max(1, ...series.map((s) => s.points.length));
  const laneTop = PLOT_BOTTOM + 26;
  const laneBottom = laneTop + Math.max(1, series.length) * LANE_ROW;
  const axisY = laneBottom + 8;
  const right = WIDTH - RIGHT;
  const x = (i: number): number => LEFT + ((i - 0.5) / maxIndex) * (right - LEFT);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];

  // x axis (shared by the plot and the failure lane)
  parts.push(line(LEFT, axisY, right, axisY, "#333"));
  for (const t of integerTicks(maxIndex)) {
    parts.push(line(x(t), axisY, x(t), axisY + 5, "#333"), `<text x="${fmt(x(t))}" y="${axisY + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${(LEFT + right) / 2}" y="${axisY + 40}" text-anchor="middle">evaluation (per device, in order)</text>`);

  if (values.length === 0) {
    parts.push(`<text x="${(LEFT + right) / 2}" y="${(TOP + PLOT_BOTTOM) / 2}" text-anchor="middle" fill="#666">no verified measurement yet</text>`);
  } else {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const log = hi / lo >= LOG_RATIO;
    const scale = log ? logScale(lo, hi) : linearScale(lo, hi);
    const y = (v: number): number => PLOT_BOTTOM - scale.fraction(v) * (PLOT_BOTTOM - TOP);
    parts.push(line(LEFT, TOP, LEFT, PLOT_BOTTOM, "#333"), line(LEFT, PLOT_BOTTOM, right, PLOT_BOTTOM, "#ccc"));
    for (const t of scale.ticks) {
      parts.push(
        line(LEFT + 1, y(t), right, y(t), "#eee"),
        line(LEFT - 5, y(t), LEFT, y(t), "#333"),
        `<text x="${LEFT - 8}" y="${fmt(y(t) + 4)}" text-anchor="end">${fmtValue(t)}</text>`,
      );
    }
    const axisLabel = `median time (ms${log ? ", log scale" : ""})`;
    parts.push(`<text transform="translate(18 ${(TOP + PLOT_BOTTOM) / 2}) rotate(-90)" text-anchor="middle">${axisLabel}</text>`);

    series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length]!;
      for (const p of s.points) {
        if (p.valueMs !== null && p.valueMs > 0 && !p.disqualified) parts.push(`<circle cx="${fmt(x(p.index))}" cy="${fmt(y(p.valueMs))}" r="2.2" fill="${color}" fill-opacity="0.3"/>`);
      }
      // Step line: the best stays flat until an evaluation beats it.
      const path: string[] = [];
      let prev: number | null = null;
      for (const p of s.points) {
        if (p.bestMs === null) continue;
        if (prev === null) path.push(`M${fmt(x(p.index))},${fmt(y(p.bestMs))}`);
        else path.push(`H${fmt(x(p.index))}`, `V${fmt(y(p.bestMs))}`);
        prev = p.bestMs;
      }
      if (path.length > 0) parts.push(`<path d="${path.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    });
  }

  // failure lane: one row per device
  parts.push(`<text x="${LEFT - 8}" y="${laneTop - 6}" text-anchor="end" fill="#555">failed</text>`);
  parts.push(line(LEFT, laneTop - 10, right, laneTop - 10, "#ccc", "3 3"));
  const seen = new Set<Failure>();
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const rowY = laneTop + i * LANE_ROW + LANE_ROW / 2;
    for (const p of s.points) {
      const kind: Failure | null = p.disqualified ? "disqualified" : p.status === "ok" ? null : p.status;
      if (kind === null) continue;
      seen.add(kind);
      parts.push(marker(kind, x(p.index), rowY, color));
    }
  });

  // legend: devices, then the failure kinds that occur
  let ly = TOP + 4;
  const lx = right + 22;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const last = [...s.points].reverse().find((p) => p.bestMs !== null);
    parts.push(line(lx, ly, lx + 22, ly, color, undefined, 2), `<text x="${lx + 28}" y="${ly + 4}">${esc(s.device)}</text>`);
    if (last?.bestMs != null) parts.push(`<text x="${lx + 28}" y="${ly + 18}" fill="#555">best ${fmtValue(last.bestMs)} ms</text>`);
    ly += 36;
  });
  parts.push(`<circle cx="${lx + 11}" cy="${ly}" r="2.5" fill="#555" fill-opacity="0.4"/>`, `<text x="${lx + 28}" y="${ly + 4}">ok measurement</text>`);
  ly += 22;
  for (const kind of Object.keys(FAILURE_LABEL) as Failure[]) {
    if (!seen.has(kind)) continue;
    parts.push(marker(kind, lx + 11, ly, "#555"), `<text x="${lx + 28}" y="${ly + 4}">${FAILURE_LABEL[kind]}</text>`);
    ly += 20;
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function marker(kind: Failure, cx: number, cy: number, color: string): string {
  const r = 4.5;
  const at = (dx: number, dy: number): string => `${fmt(cx + dx)},${fmt(cy + dy)}`;
  switch (kind) {
    case "compile_error":
      return `<path d="M${at(-r, -r)} L${at(r, r)} M${at(-r, r)} L${at(r, -r)}" stroke="${color}" stroke-width="1.8"/>`;
    case "runtime_error":
      return `<polygon points="${at(0, -r)} ${at(r, r)} ${at(-r, r)}" fill="${color}"/>`;
    case "timeout":
      return `<rect x="${fmt(cx - r)}" y="${fmt(cy - r)}" width="${2 * r}" height="${2 * r}" fill="none" stroke="${color}" stroke-width="1.6"/>`;
    case "wrong_result":
      return `<polygon points="${at(0, -r)} ${at(r, 0)} ${at(0, r)} ${at(-r, 0)}" fill="${color}"/>`;
    case "rejected":
      return `<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="${r}" fill="none" stroke="${color}" stroke-width="1.6"/><path d="M${at(-3, 3)} L${at(3, -3)}" stroke="${color}" stroke-width="1.6"/>`;
    case "disqualified":
      return `<polygon points="${at(0, -r)} ${at(r, 0)} ${at(0, r)} ${at(-r, 0)}" fill="white" stroke="${color}" stroke-width="1.6"/>`;
    case "infra_error":
      return `<path d="M${at(-r, 0)} L${at(r, 0)} M${at(0, -r)} L${at(0, r)}" stroke="${color}" stroke-width="1.2" stroke-dasharray="2 1"/>`;
  }
}

interface Scale {
  fraction(v: number): number;
  ticks: number[];
}

function linearScale(lo: number, hi: number): Scale {
  const span = hi - lo || Math.abs(hi) || 1;
  const step = niceStep(span / 5);
  const min = Math.max(0, Math.floor((lo - span * 0.05) / step) * step);
  const max = Math.ceil((hi + span * 0.05) / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { fraction: (v) => (v - min) / (max - min), ticks };
}

function logScale(lo: number, hi: number): Scale {
  const minExp = Math.floor(Math.log10(lo));
  const maxExp = Math.ceil(Math.log10(hi));
  const min = Math.log10(lo) - 0.05 * (Math.log10(hi) - Math.log10(lo));
  const max = Math.log10(hi) + 0.05 * (Math.log10(hi) - Math.log10(lo));
  // Few decades: label 1-2-5 within each so the axis is readable; many: decades only.
  const mantissas = maxExp - minExp <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = minExp; e <= maxExp; e++) {
    for (const m of mantissas) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (Math.log10(t) >= min && Math.log10(t) <= max) ticks.push(t);
    }
  }
  return { fraction: (v) => (Math.log10(v) - min) / (max - min), ticks };
}

function niceStep(raw: number): number {
  const exp = 10 ** Math.floor(Math.log10(raw));
  const m = raw / exp;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * exp;
}

function integerTicks(max: number): number[] {
  const step = Math.max(1, niceStep(max / 8));
  // 1 marks where the campaign starts, but next to a tick at 2 it only crowds the axis.
  const ticks = step >= 5 || step === 1 ? [1] : [];
  for (let t = step; t <= max; t += step) if (t > 1) ticks.push(t);
  return ticks;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash?: string, width = 1): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

function fmt(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Three significant digits without exponent noise (0.0123, 1.5, 2400). */
export function fmtValue(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1000) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
