// Reads a results folder written by the device kit (bench/gpu/run-h200-proof.sh) and turns every variant's raw
// evidence into the EvalResult the pipeline would have produced, with the same interpretation code
// (symbol policy, interpretCudaVariantRun, interpretVerdict, physics floor), plus what only the kit measures:
// sanitizer verdicts, the device's copy bandwidth and cuBLAS, occupancy against the driver, ncu occupancy.
// The output is Markdown for docs/ and a JSON file with every result.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GpuInfo, HardwareProfile } from "../../hardware-profiles/schema.ts";
import { ptxasFacts } from "../../harness/cuda/backend.ts";
import { interpretCudaVariantRun, sharedReport, type CudaHarnessReport } from "../../harness/cuda/interpret.ts";
import { makeCudaPlan } from "../../harness/cuda/plan.ts";
import { checkCudaSymbols } from "../../harness/cuda/symbols.ts";
import { decodeSamples, interpretVerdict, parseJsonFile, type MeasureContext, type Verdict } from "../../harness/interpret.ts";
import { theoreticalOccupancy } from "../../harness/occupancy.ts";
import { parseNm } from "../../harness/symbols.ts";
import type { EvalResult, ResultCommon } from "../../harness/types.ts";
import { makeVariant } from "../../harness/variant.ts";
import { loadSpec } from "../../specs/load.ts";
import type { KitVariantMeta } from "./kit.ts";
import { REPO_ROOT } from "./kit.ts";

export interface KitVariantResult {
  meta: KitVariantMeta;
  result: EvalResult;
  memcheck?: number;
  racecheck?: number;
  ncu?: Record<string, string>;
  /** Cheats the symbol policy rejects: what the run on the device came to had the policy let them through. */
  runtime?: EvalResult;
}

const read = (path: string): string | null => (existsSync(path) ? readFileSync(path, "utf8") : null);

function tsv(text: string | null): Array<Record<string, string>> {
  if (!text) return [];
  const [head, ...rows] = text.trim().split("\n");
  const keys = head!.split("\t");
  return rows.map((r) => Object.fromEntries(r.split("\t").map((v, i) => [keys[i]!, v])));
}

/** ncu --csv: a header row of names and quoted values per metric row; keep name -> value. */
function ncuMetrics(text: string | null): Record<string, string> | undefined {
  if (!text) return undefined;
  const lines = text.split("\n").filter((l) => l.startsWith('"'));
  if (lines.length < 2) return undefined;
  const header = lines[0]!.slice(1, -1).split('","');
  const nameAt = header.indexOf("Metric Name");
  const valueAt = header.indexOf("Metric Value");
  if (nameAt < 0 || valueAt < 0) return undefined;
  const out: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const cells = line.slice(1, -1).split('","');
    out[cells[nameAt]!] = cells[valueAt]!;
  }
  return out;
}

function interpretOne(dir: string, meta: KitVariantMeta, device: HardwareProfile, applySymbolPolicy = true): EvalResult {
  const spec = loadSpec(join(REPO_ROOT, "examples", meta.example));
  const source = meta.sourceFile ? readFileSync(join(REPO_ROOT, meta.sourceFile), "utf8") : undefined;
  const variant = makeVariant(spec, meta.params, source === undefined ? {} : { source });
  const plan = makeCudaPlan(spec, variant.params, device);
  const seed = Number(read(join(dir, "seed")) ?? 0);
  const ptxasLog = read(join(dir, "compile_variant.log")) ?? "";
  const facts = ptxasFacts(plan, ptxasLog);
  const build = { compiledSourceHash: variant.hash, command: plan.commands.compileVariant, buildMs: 0, stats: facts.stats, ...(facts.occupancy ? { occupancy: facts.occupancy } : {}) };
  const common: ResultCommon = { variantHash: variant.hash, device: device.name, startedAt: "", finishedAt: "", seed, build };
  const status = (read(join(dir, "build.status")) ?? "missing").trim();
  if (status.startsWith("failed compile_variant")) return { ...common, status: "compile_error", log: ptxasLog };
  const nm = read(join(dir, "nm.txt"));
  const symbols = nm === null ? null : checkCudaSymbols(parseNm(nm), spec.kernel, spec.allowedSymbols);
  if (applySymbolPolicy && symbols && !symbols.ok) {
    return symbols.kind === "kernel_missing" ? { ...common, status: "compile_error", log: symbols.detail } : { ...common, status: "rejected", reason: "forbidden_symbol", detail: symbols.detail };
  }
  if (status !== "ok") return { ...common, status: "compile_error", log: `${status}\n${read(join(dir, "link.log")) ?? ""}` };
  const rc = Number((read(join(dir, "run.rc")) ?? "-1").trim());
  const wallMs = Number(read(join(dir, "wall_us")) ?? 0) / 1000;
  const report = parseJsonFile<CudaHarnessReport>(read(join(dir, "harness.json")));
  const progress = (read(join(dir, "progress.log")) ?? "").trim().split("\n").pop() ?? "";
  const ctx: MeasureContext = { common, spec, params: variant.params, device, plan, definedSymbols: symbols?.defined ?? [], calledSymbols: symbols?.called ?? [] };
  const killed = rc === 137 || rc === 124;
  const early = interpretCudaVariantRun(
    ctx,
    { kind: "exited", exitCode: killed ? null : rc, signal: killed ? "SIGKILL" : null, stdout: read(join(dir, "stdout.txt")) ?? "", stderr: read(join(dir, "stderr.txt")) ?? "", wallMs, timedOut: killed },
    report,
    progress,
  );
  if (early) return early;
  const verdict = parseJsonFile<Verdict>(read(join(dir, "verdict.json")));
  if (!verdict) return { ...common, status: "infra_error", cause: `the compare program left no verdict (exit ${read(join(dir, "ref", "compare.rc"))?.trim()})`, retryable: false };
  const samples = existsSync(join(dir, "samples.bin")) ? decodeSamples(readFileSync(join(dir, "samples.bin"))) : [];
  return interpretVerdict(ctx, verdict, sharedReport(report), samples, wallMs);
}

/** Sanitizer findings override a passing verdict: a race or invalid access that happened to give the right answer. */
function withSanitizers(r: EvalResult, memcheck?: number, racecheck?: number): EvalResult {
  if (memcheck === 97) return { ...r, status: "rejected", reason: "memory_error", detail: "compute-sanitizer memcheck reported invalid memory accesses (see memcheck.txt)" } as EvalResult;
  if (racecheck === 97) return { ...r, status: "rejected", reason: "race_detected", detail: "compute-sanitizer racecheck reported shared-memory hazards (see racecheck.txt)" } as EvalResult;
  return r;
}

export function summarizeKitResults(resultsDir: string, device: HardwareProfile): KitVariantResult[] {
  const root = join(resultsDir, "variants");
  const out: KitVariantResult[] = [];
  for (const id of readdirSync(root).sort()) {
    const dir = join(root, id);
    const meta = parseJsonFile<KitVariantMeta>(read(join(dir, "meta.json")));
    if (!meta) continue;
    const memcheck = read(join(dir, "memcheck.rc")) === null ? undefined : Number(read(join(dir, "memcheck.rc")));
    const racecheck = read(join(dir, "racecheck.rc")) === null ? undefined : Number(read(join(dir, "racecheck.rc")));
    const ncu = ncuMetrics(read(join(dir, "ncu.csv")));
    const result = withSanitizers(interpretOne(dir, meta, device), memcheck, racecheck);
    const runtime = meta.role === "cheat" && result.status === "rejected" && result.reason === "forbidden_symbol" ? interpretOne(dir, meta, device, false) : undefined;
    out.push({ meta, result, memcheck, racecheck, ...(ncu ? { ncu } : {}), ...(runtime ? { runtime } : {}) });
  }
  return out;
}

export interface OccupancyCheck {
  rows: number;
  compared: number;
  agree: number;
  disagreements: Array<Record<string, string>>;
}

/** Recomputes the TypeScript prediction from the attributes the driver reported and compares with the driver. */
export function occupancyAgainstDriver(resultsDir: string, gpu: GpuInfo): OccupancyCheck {
  const rows = tsv(read(join(resultsDir, "occupancy.tsv")));
  const disagreements: Array<Record<string, string>> = [];
  let agree = 0;
  for (const row of rows) {
    const ours = theoreticalOccupancy(gpu, {
      registersPerThread: Number(row.numRegs),
      staticSharedBytes: Number(row.sharedSizeBytes),
      dynamicSharedBytes: Number(row.dynamicSmem),
      threadsPerBlock: Number(row.blockSize),
      barriers: 1,
    }).activeBlocksPerSM;
    const driver = Math.max(0, Number(row.api_blocks));
    if (ours === driver) agree++;
    else disagreements.push({ ...row, nightshift_blocks: String(ours) });
  }
  return { rows: rows.length, compared: rows.length, agree, disagreements };
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toPrecision(digits) : "n/a");

export function renderMarkdown(resultsDir: string, device: HardwareProfile, results: KitVariantResult[]): string {
  const gpu = device.gpu!;
  const env = read(join(resultsDir, "env.txt")) ?? "";
  const d2d = tsv(read(join(resultsDir, "d2d.tsv")));
  const cublas = tsv(read(join(resultsDir, "cublas.tsv")));
  const d2dGBs = Number(d2d.find((r) => r.method === "cudaMemcpyD2D")?.GBs_median ?? NaN);
  const cublasMs = Number(cublas.find((r) => r.mode === "default")?.median_ms ?? NaN);
  const occ = occupancyAgainstDriver(resultsDir, gpu);
  const lines: string[] = [];
  lines.push(`## Results on ${env.match(/NVIDIA [A-Z0-9][^|\n]*?(?=\s{2,}|\|)/)?.[0]?.trim() ?? "the device"} (kit run, interpreted by bench/gpu/summarize.ts)`, "");
  lines.push(`- cudaMemcpy device-to-device: ${fmt(d2dGBs, 4)} GB/s (bytes read + written); profile peak ${gpu.memoryBandwidthGBs} GB/s`);
  for (const r of cublas) lines.push(`- cuBLAS SGEMM ${r.M}x${r.N}x${r.K} (${r.mode} math): median ${r.median_ms} ms = ${r.GFLOPs_median} GFLOP/s`);
  lines.push(`- theoretical occupancy vs cudaOccupancyMaxActiveBlocksPerMultiprocessor: ${occ.agree}/${occ.compared} configurations agree${occ.disagreements.length ? ` (disagreements: ${occ.disagreements.slice(0, 5).map((d) => JSON.stringify(d)).join("; ")})` : ""}`, "");

  for (const example of ["transpose-cuda", "sgemm-cuda"]) {
    const rows = results.filter((r) => r.meta.example === example && r.meta.role !== "cheat");
    const ok = rows.filter((r) => r.result.status === "ok").sort((a, b) => (a.result.status === "ok" && b.result.status === "ok" ? a.result.stats.medianMs - b.result.stats.medianMs : 0));
    const counts = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.result.status]: (acc[r.result.status] ?? 0) + 1 }), {});
    lines.push(`### ${example}: ${rows.length} variants (${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ")})`, "");
    lines.push("| variant | parameters | median ms | 95% CI ms | GB/s | GFLOP/s | vs ceiling | registers | theor. occ. (limit) | ncu theor./achieved |", "|---|---|---|---|---|---|---|---|---|---|");
    const baseline = rows.find((r) => r.meta.role === "baseline");
    for (const r of [...ok.slice(0, 10), ...(baseline && !ok.slice(0, 10).includes(baseline) ? [baseline] : [])]) {
      const res = r.result;
      const params = Object.entries(r.meta.params).map(([k, v]) => `${k}=${v}`).join(" ");
      const occupancy = res.build?.occupancy ? `${(res.build.occupancy.theoretical * 100).toFixed(1)}% (${res.build.occupancy.limitedBy})` : "n/a";
      const ncu = r.ncu ? `${r.ncu["sm__maximum_warps_per_active_cycle_pct"] ?? "?"}% / ${r.ncu["sm__warps_active.avg.pct_of_peak_sustained_active"] ?? "?"}%` : "-";
      if (res.status !== "ok") {
        lines.push(`| ${r.meta.id}${r.meta.role === "baseline" ? " (baseline)" : ""} | ${params} | ${res.status} | | | | | ${res.build?.stats.registersPerThread ?? ""} | ${occupancy} | ${ncu} |`);
        continue;
      }
      const rl = res.roofline;
      const ceiling = example === "transpose-cuda" ? (rl ? `${fmt((100 * rl.achievedGBs) / d2dGBs)}% of D2D` : "") : `${fmt((100 * cublasMs) / res.stats.medianMs)}% of cuBLAS`;
      lines.push(
        `| ${r.meta.id}${r.meta.role === "baseline" ? " (baseline)" : ""} | ${params} | ${fmt(res.stats.medianMs, 4)} | ${fmt(res.stats.ci95Ms[0], 4)}-${fmt(res.stats.ci95Ms[1], 4)} | ${rl ? fmt(rl.achievedGBs, 4) : ""} | ${rl ? fmt(rl.achievedGflops, 4) : ""} | ${ceiling} | ${res.build?.stats.registersPerThread ?? ""} | ${occupancy} | ${ncu} |`,
      );
    }
    lines.push("");
  }

  const describe = (res: EvalResult): string =>
    res.status === "rejected"
      ? `rejected ${res.reason}: ${res.detail}`
      : res.status === "wrong_result"
        ? `wrong_result (${res.output})`
        : res.status === "compile_error"
          ? `compile_error: ${res.log.split("\n").find((l) => /error|multiple definition/.test(l)) ?? res.log.slice(0, 120)}`
          : res.status === "infra_error"
            ? `infra_error: ${res.cause}`
            : res.status;
  lines.push("### Deliberately broken variants and sanitizer controls", "", "| variant | expected | result | on the device without the symbol policy | memcheck | racecheck |", "|---|---|---|---|---|---|");
  for (const r of results.filter((x) => x.meta.role === "cheat" || x.meta.role === "control")) {
    lines.push(`| ${r.meta.cheat ?? `${r.meta.id} (honest control)`} | ${r.meta.expect ?? "ok, sanitizers clean"} | ${describe(r.result).replaceAll("|", "/")} | ${r.runtime ? describe(r.runtime).replaceAll("|", "/") : "-"} | ${r.memcheck ?? "-"} | ${r.racecheck ?? "-"} |`);
  }
  return `${lines.join("\n")}\n`;
}
