// npx tsx bench/gpu/summarize.ts RESULTS_DIR [--device h200] [--json FILE]
// Interprets a results folder written by run-h200-proof.sh with nightshift's own interpretation code and
// prints the Markdown tables that go into docs/cuda.md ("GPU proof").
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadProfile } from "../../hardware-profiles/load.ts";
import { renderMarkdown, summarizeKitResults } from "./kit-summary.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { device: { type: "string", default: "h200" }, json: { type: "string" } } });
if (positionals.length !== 1) {
  process.stderr.write("usage: npx tsx bench/gpu/summarize.ts RESULTS_DIR [--device h200] [--json FILE]\n");
  process.exit(2);
}
const device = await loadProfile(values.device!);
const results = summarizeKitResults(positionals[0]!, device);
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(renderMarkdown(positionals[0]!, device, results));
