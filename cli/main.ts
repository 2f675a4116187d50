// The nightshift command line. Each command lives in its own file and registers itself in program.ts.
// Configuration errors print one clear line (never a stack trace) and exit 2.

import { runCommandLine } from "./program.ts";

const code = await runCommandLine(process.argv, (text) => process.stderr.write(text));
if (code !== null) process.exit(code);
