// npx tsx bench/gpu/export-kit.ts OUTDIR [--device h200] [--transpose N] [--sgemm N] [--seed S]
// Writes the device kit (generated harnesses, variants, references, build scripts and the driver) into OUTDIR,
// a folder to carry to a GPU machine and run there with `bash OUTDIR/run-h200-proof.sh OUTDIR [RESULTS]`.
import { parseArgs } from "node:util";
import { loadProfile } from "../../hardware-profiles/load.ts";
import { exportKit } from "./kit.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    device: { type: "string", default: "h200" },
    transpose: { type: "string", default: "20" },
    sgemm: { type: "string", default: "48" },
    seed: { type: "string" },
  },
});
if (positionals.length !== 1) {
  process.stderr.write("usage: npx tsx bench/gpu/export-kit.ts OUTDIR [--device h200] [--transpose N] [--sgemm N] [--seed S]\n");
  process.exit(2);
}
const summary = exportKit({
  outDir: positionals[0]!,
  device: await loadProfile(values.device!),
  sweep: { "transpose-cuda": Number(values.transpose), "sgemm-cuda": Number(values.sgemm) },
  ...(values.seed ? { seed: Number(values.seed) } : {}),
});
const byRole = summary.variants.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.role]: (acc[v.role] ?? 0) + 1 }), {});
process.stdout.write(
  `kit written to ${summary.outDir}: ${summary.variants.length} variants (${Object.entries(byRole).map(([r, n]) => `${n} ${r}`).join(", ")}); ` +
    `occupancy predictions ${summary.occupancyPredictions ? "included" : "NOT included (no local nvcc)"}\n` +
    `run it on the GPU machine: bash ${summary.outDir}/run-h200-proof.sh ${summary.outDir} [RESULTS_DIR]\n`,
);
