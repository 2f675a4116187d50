// The nightshift command line. Each command lives in its own file and registers itself here.
// Configuration errors print one clear line (never a stack trace) and exit 2.

import { Command, CommanderError } from "commander";
import { isNightshiftError } from "../core/errors.ts";
import { registerBenchStrategies } from "./bench-strategies.ts";
import { registerDevices } from "./devices.ts";
import { registerList } from "./list.ts";
import { registerReport } from "./report.ts";
import { registerResults } from "./results.ts";
import { registerMeasure } from "./measure.ts";
import { registerResume } from "./resume.ts";
import { registerRun } from "./run.ts";

const program = new Command()
  .name("nightshift")
  .description("Autotune GPU and CPU kernels overnight; keep only results that were verified.")
  // Command-line mistakes get the same one line as every other error; the help is one --help away, and
  // a screen of it after the error would bury the line that says what was wrong.
  .configureOutput({ outputError: (text, write) => write(`nightshift: ${text.replace(/^error: /, "").trim()} (see --help) [USAGE]\n`) })
  .exitOverride();

const commands: Array<(program: Command) => void> = [
  registerRun,
  registerResume,
  registerList,
  registerResults,
  registerReport,
  registerMeasure,
  registerDevices,
  registerBenchStrategies,
];

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (isNightshiftError(error)) {
    process.stderr.write(`nightshift: ${error.message} [${error.code}]\n`);
    process.exit(2);
  }
  process.stderr.write(`nightshift: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(70);
}
