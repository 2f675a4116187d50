// A live convergence plot: every exploring evaluation of a device (grey dots; failures as red ticks on the
// axis) and the best accepted median so far (the green step line), on a log scale, as the report draws it.

const NS = "http://www.w3.org/2000/svg";
const W = 560;
const H = 240;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function node(name, attrs = {}, text) {
  const n = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(2));

/** points: [{index, status, valueMs, bestMs}], budget: evaluations planned. */
export function convergencePlot(device, points, budget) {
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, class: "plot", role: "img", "aria-label": `convergence on ${device}`, "data-explored": points.length });
  const values = points.flatMap((p) => [p.valueMs, p.bestMs]).filter((v) => typeof v === "number" && v > 0);
  const xMax = Math.max(budget, points.length, 1);
  const x = (i) => PAD.left + ((i - 1) / Math.max(1, xMax - 1)) * (W - PAD.left - PAD.right);
  svg.append(node("line", { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: "axis" }));
  svg.append(node("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: "axis" }));
  svg.append(node("text", { x: W - PAD.right, y: H - 8, "text-anchor": "end" }, `evaluation (of ${budget})`));
  if (values.length === 0) {
    svg.append(node("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, points.length === 0 ? "no evaluations yet" : "no verified time yet"));
    return svg;
  }
  const lo = Math.log10(Math.min(...values)) - 0.05;
  const hi = Math.log10(Math.max(...values)) + 0.05;
  const y = (ms) => H - PAD.bottom - ((Math.log10(ms) - lo) / Math.max(1e-9, hi - lo)) * (H - PAD.top - PAD.bottom);
  for (const v of [10 ** lo, 10 ** ((lo + hi) / 2), 10 ** hi]) svg.append(node("text", { x: PAD.left - 4, y: y(v) + 3, "text-anchor": "end" }, `${fmt(v)} ms`));
  for (const p of points) {
    if (typeof p.valueMs === "number" && p.valueMs > 0) svg.append(node("circle", { cx: x(p.index), cy: y(p.valueMs), r: 2.5, class: "point" }));
    else if (p.status !== "ok") svg.append(node("line", { x1: x(p.index), y1: H - PAD.bottom, x2: x(p.index), y2: H - PAD.bottom - 6, class: "failure" }));
  }
  let path = "";
  let last = null;
  for (const p of points) {
    if (typeof p.bestMs !== "number") continue;
    path += last === null ? `M${x(p.index)},${y(p.bestMs)}` : `H${x(p.index)}V${y(p.bestMs)}`;
    last = p;
  }
  if (last) svg.append(node("path", { d: `${path}H${x(points.length)}`, class: "best" }));
  return svg;
}
