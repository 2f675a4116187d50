// Runs the nightshift command line and, however it exits, writes its peak resident memory (KiB) to fd 3,
// so a test can bound what a bad input costs.
import { writeSync } from "node:fs";

process.on("exit", () => writeSync(3, String(process.resourceUsage().maxRSS)));
await import("../../bin/nightshift.js");
