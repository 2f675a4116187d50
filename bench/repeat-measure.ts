// Does an honest kernel always get an honest verdict? Builds one variant once through the real protocol on
// this machine, then measures the same build again and again, each time with a fresh seed, and counts the
// verdicts, the runs with samples at zero, and the medians. Meant to be run beside extra load (busy loops):
// a correct kernel must never be rejected however loaded the machine is, and a microsecond kernel must never
// measure zero (the physics floor would call that impossible).
//
//   npx tsx bench/repeat-measure.ts [--spec DIR] [--params '{"UNROLL":1}'] [--runs N] [--busy B] [--out docs/bench-repeat-measure.md]
//
// --busy B starts B busy loops (child processes) for the duration, so the load is part of the run it reports.

import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median } from "../core/stats.ts";
import { detectLocalProfile } from "../hardware-profiles/detect-local.ts";
import { failureMessage } from "../harness/failure-message.ts";
import { buildVariant, discardBuild, measureVariant } from "../harness/protocol.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import type { Params } from "../specs/schema.ts";

const { values } = parseArgs({
  options: {
    spec: { type: "string", default: join(import.meta.dirname, "..", "test", "fixtures", "tail-bug") },
    params: { type: "string", default: '{"UNROLL":1}' },
    runs: { type: "string", default: "20" },
    busy: { type: "string", default: "0" },
    out: { type: "string" },
  },
});
const runs = Number(values.runs);
const spec = loadSpec(values.spec);
const device = await detectLocalProfile();
const executor = new LocalExecutor();
const verdicts: Record<string, number> = {};
const medians: number[] = [];
let withZeros = 0;
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};
const busy: ChildProcess[] = Array.from({ length: Number(values.busy) }, () => spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
try {
  const outcome = await buildVariant(executor, makeVariant(spec, JSON.parse(values.params) as Params), device);
  if (outcome.kind !== "built") throw new Error(`the variant did not build: ${failureMessage(outcome.result)}`);
  for (let i = 0; i < runs; i++) {
    const result = await measureVariant(executor, outcome.built, device);
    verdicts[result.status] = (verdicts[result.status] ?? 0) + 1;
    if (result.status === "ok") {
      medians.push(result.stats.medianMs);
      if (result.samplesMs.some((s) => s === 0)) withZeros++;
    } else say(`- run ${i + 1}: ${result.status}: ${failureMessage(result)}`);
  }
  await discardBuild(executor, outcome.built);
} finally {
  for (const child of busy) child.kill("SIGKILL");
  await executor.close();
}
say(`- ${spec.name} ${values.params}: ${runs} runs beside ${busy.length} busy loop(s) on ${cpus().length} cores`);
say(`- verdicts ${JSON.stringify(verdicts)}; runs with a sample of zero: ${withZeros}`);
if (medians.length > 0) say(`- medians (ms): min ${Math.min(...medians).toPrecision(3)}, median ${median(medians).toPrecision(3)}, max ${Math.max(...medians).toPrecision(3)}`);
if (values.out) {
  const command = `npx tsx bench/repeat-measure.ts ${process.argv.slice(2).join(" ")}`;
  writeFileSync(
    values.out,
    `# One honest build measured again and again beside load\n\nA correct kernel must get \`ok\` every time, and a microsecond kernel must never measure zero (the physics\nfloor would reject it as impossible_time). Produced by:\n\n\`\`\`sh\n${command}\n\`\`\`\n\n${lines.join("\n")}\n`,
  );
}
