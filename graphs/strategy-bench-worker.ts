// Worker thread of the strategy benchmark: runs one job per message.

import { parentPort } from "node:worker_threads";
import { isNightshiftError } from "../core/errors.ts";
import { runBenchJob, type BenchJob } from "./strategy-bench.ts";

parentPort!.on("message", (job: BenchJob) => {
  runBenchJob(job).then(
    (run) => parentPort!.postMessage({ run }),
    (error: unknown) => {
      // A configuration error keeps its code across the thread boundary; anything else is a bug with its stack.
      if (isNightshiftError(error)) parentPort!.postMessage({ error: error.message, code: error.code });
      else parentPort!.postMessage({ error: (error as Error)?.stack ?? String(error), code: "INTERNAL" });
    },
  );
});
