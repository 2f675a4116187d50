// The nightshift command line as a function of its arguments: every command registered, and every
// failure turned into its one line and exit code. main.ts runs it for the process; tests run it in-process.

import { Command, CommanderError } from "commander";
import { clipMessage, isNightshiftError } from "../core/errors.ts";
import { registerBenchStrategies } from "./bench-strategies.ts";
import { registerCancel } from "./cancel.ts";
import { registerDevices } from "./devices.ts";
import { registerDispatch } from "./dispatch.ts";
import { registerExport } from "./export.ts";
import { registerList } from "./list.ts";
import { registerMeasure } from "./measure.ts";
import { registerReport } from "./report.ts";
import { registerResults } from "./results.ts";
import { registerResume } from "./resume.ts";
import { registerRun } from "./run.ts";
import { registerServe } from "./serve.ts";
import { registerSubmit } from "./submit.ts";

const COMMANDS: Array<(program: Command) => void> = [
  registerRun,
  registerResume,
  registerList,
  registerResults,
  registerReport,
  registerDispatch,
  registerExport,
  registerMeasure,
  registerDevices,
  registerBenchStrategies,
  registerServe,
  registerSubmit,
  registerCancel,
];

/** Commander quotes what it did not understand; a megabyte-long option is shortened like any received value. */
function shortenQuoted(text: string): string {
  return text.replace(/'([^']{80,})'/g, (_, quoted: string) => `'${quoted.slice(0, 77)}...'`);
}

export function createProgram(writeError: (text: string) => void): Command {
  const program = new Command()
    .name("nightshift")
    .description("Autotune GPU and CPU kernels overnight; keep only results that were verified.")
    // Command-line mistakes get the same one line as every other error; the help is one --help away, and
    // a screen of it after the error would bury the line that says what was wrong.
    .configureOutput({ outputError: (text) => writeError(`nightshift: ${clipMessage(shortenQuoted(text.replace(/^error: /, "").trim()))} (see --help) [USAGE]\n`) })
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Runs one command line. Returns the exit code when the command failed (2: bad input, 70: a bug in
 * nightshift) or asked to exit (--help), and null when it ran to its end (it may have set process.exitCode).
 */
export async function runCommandLine(argv: readonly string[], writeError: (text: string) => void): Promise<number | null> {
  try {
    await createProgram(writeError).parseAsync([...argv]);
    return null;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (isNightshiftError(error)) {
      writeError(`nightshift: ${error.message} [${error.code}]\n`);
      return error.code === "INTERNAL" ? 70 : 2;
    }
    // A bug: one line here; the stack only when asked for, so a user's terminal never fills with a trace.
    const message = clipMessage(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    writeError(`nightshift: internal error: ${message} [INTERNAL]\n`);
    if (process.env.NIGHTSHIFT_DEBUG) writeError(`${(error as Error)?.stack ?? ""}\n`);
    return 70;
  }
}
