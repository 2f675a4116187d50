// The dashboard's views, built as DOM nodes (data always goes in as text, never as markup): the campaign
// list, and one campaign's detail with a card per device and the critic's ledger.

import { convergencePlot } from "./plot.js";

export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") n.className = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) n.append(c instanceof Node ? c : String(c));
  return n;
}

const params = (p) => Object.entries(p ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
const ms = (v) => (typeof v === "number" ? `${v.toPrecision(4)} ms` : "–");

const bar = (done, total) => el("progress", { value: Math.min(done, total), max: Math.max(total, 1), title: `${done}/${total}` });

export function campaignRows(rows, selected, onSelect) {
  return rows
    .slice()
    .reverse()
    .map((r) =>
      el(
        "tr",
        { class: r.id === selected ? "selected" : "", "data-id": r.id, onclick: () => onSelect(r.id) },
        el("td", {}, r.id),
        el("td", {}, r.spec),
        el("td", {}, el("span", { class: `state ${r.state}` }, r.state)),
        el("td", {}, bar(r.evaluations, r.budget), ` ${r.evaluations}/${r.budget}`),
        el("td", {}, r.priority),
      ),
    );
}

/** The headline's evidence level in words (results/evidence.ts says the same on the command line). */
function evidenceText(best) {
  if (!best) return "–";
  const proof = best.proof;
  if (proof?.status === "proved") return `proved equivalent to the reference at ${proof.sizes?.length ?? 0} sizes`;
  if (proof) return `${best.evidence}; not proved: ${proof.reason ?? ""}`;
  return best.evidence;
}

/** The spec's library baselines beside the best, as the report's table has them. */
function libraries(list) {
  return list.flatMap((l) => [
    el("dt", {}, `library: ${l.name}`),
    el(
      "dd",
      {},
      l.medianMs === null
        ? `not measured (${l.status}: ${l.verification})`
        : `${ms(l.medianMs)} (${ms(l.ci95Ms[0])} – ${ms(l.ci95Ms[1])})${l.percentOfLibrary !== null ? `; the best runs at ${l.percentOfLibrary}% of its speed` : ""}`,
    ),
  ]);
}

function bestVariant(d) {
  if (!d.best) return el("p", { class: "hint" }, "No accepted variant yet.");
  const b = d.best;
  const speedup = d.speedup !== null ? `${d.speedup.toFixed(2)}x${d.speedupCi ? ` (95% CI ${d.speedupCi[0].toFixed(2)}x–${d.speedupCi[1].toFixed(2)}x)` : ""}` : "–";
  return el(
    "dl",
    { class: "best-variant" },
    el("dt", {}, "best variant ", el("span", { class: b.verified ? "badge" : "badge replayed" }, b.verified ? "verified" : "replayed, not verified here")),
    el("dd", {}, params(b.params)),
    el("dt", {}, "median (95% CI)"),
    el("dd", { "data-best-ms": b.medianMs }, `${ms(b.medianMs)} (${ms(b.ci95Ms[0])} – ${ms(b.ci95Ms[1])}), ${b.samples} samples, ${b.measurements} measurements`),
    el("dt", {}, "speedup over the baseline"),
    el("dd", {}, speedup),
    el("dt", {}, "accepted by the critic"),
    el("dd", {}, b.verdict),
    el("dt", {}, "evidence"),
    el("dd", { "data-evidence": d.headline?.best?.evidence ?? "" }, evidenceText(d.headline?.best)),
    ...libraries(d.headline?.libraries ?? []),
    el("dt", {}, "variant"),
    el("dd", {}, el("code", {}, b.variantHash)),
  );
}

function failures(d) {
  if (d.failures.length === 0) return el("p", { class: "hint" }, "No failures.");
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, el("th", {}, "failure"), el("th", {}, "detail"), el("th", {}, "count"))),
    el("tbody", {}, d.failures.map((f) => el("tr", {}, el("td", {}, f.status), el("td", {}, f.detail ?? ""), el("td", {}, f.count)))),
  );
}

const LEDGER_ROWS = 12;

function ledger(lessons) {
  if (lessons.length === 0) return el("p", { class: "hint" }, "No lessons recorded.");
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ["device", "status", "pattern", "seen", "lesson", "stands"].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      lessons.slice(0, LEDGER_ROWS).map((l) =>
        el(
          "tr",
          {},
          el("td", {}, l.device),
          el("td", {}, l.status),
          el("td", {}, params(l.pattern) || "(any)"),
          el("td", {}, l.occurrences),
          el("td", {}, l.idea ? `${l.idea}: ${l.message}` : l.message),
          // A lesson a later success matches no longer restricts the search (the ledger's probe ran there).
          el("td", {}, l.liftedBy ? `no: ${params(l.liftedBy)} ran` : "yes"),
        ),
      ),
    ),
  );
}

export function campaignDetail(detail, convergence, files, onDownload) {
  return [
    el("h2", {}, `${detail.id}: ${detail.spec} `, el("span", { class: `state ${detail.state}` }, detail.state)),
    el("p", { class: "hint" }, `strategy ${detail.strategy}, seed ${detail.seed}, budget ${detail.budget / detail.devices.length} per device, batches of ${detail.batchSize}, priority ${detail.priority}${detail.reason ? ` — ${detail.reason}` : ""}`),
    ...detail.perDevice.map((d) =>
      el(
        "section",
        { class: "device", "data-device": d.device },
        el("h3", {}, `${d.device}: ${d.explored}/${d.budget}${d.stopReason ? ` (stopped: ${d.stopReason})` : ""}`),
        el("div", { class: "columns" }, convergencePlot(d.device, convergence[d.device] ?? [], d.budget), bestVariant(d)),
        el("h4", {}, "Failures by kind"),
        failures(d),
      ),
    ),
    el("h3", {}, "Report files"),
    el("p", { class: "files" }, files.map((f) => el("a", { href: "#", onclick: (e) => (e.preventDefault(), onDownload(f)) }, f.name))),
    el("h3", {}, `The critic's ledger${detail.ledger.length > LEDGER_ROWS ? ` (the ${LEDGER_ROWS} most frequent of ${detail.ledger.length} lessons)` : ""}`),
    ledger(detail.ledger),
  ];
}
