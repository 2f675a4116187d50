// The proof worker: receives one proof at a time and answers with its verdict. It runs under the heap and
// wall-clock limits the main thread sets, so a runaway interpretation costs only this thread.

import { parentPort } from "node:worker_threads";
import { proveCore, type CoreInput } from "./prove-core.ts";

parentPort!.on("message", (input: CoreInput) => {
  try {
    // CPU time of the process while this thread works (the main thread only waits), for benchmarks on a
    // shared machine where wall-clock time also counts other processes.
    const before = process.cpuUsage();
    const output = proveCore(input);
    const used = process.cpuUsage(before);
    parentPort!.postMessage({ ok: true, output, cpuMs: Math.round((used.user + used.system) / 1000) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? `${err.message}` : String(err) });
  }
});
