// One bounded line describing a harness verdict that is not ok, for the ledger, the logs and the reports.

import type { EvalResult } from "./types.ts";

const firstLine = (text: string, pattern: RegExp): string => {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => pattern.test(l)) ?? lines[0] ?? "").slice(0, 200);
};

/** One bounded line describing a failure, for the ledger and the logs. */
export function failureMessage(result: EvalResult): string {
  switch (result.status) {
    case "ok":
      return "ok";
    case "compile_error":
      return `compile error: ${firstLine(result.log, /error/i)}`;
    case "runtime_error":
      return `runtime error in the ${result.phase} (exit ${result.exitCode ?? "none"}, signal ${result.signal ?? "none"}): ${firstLine(result.stderrTail, /./)}`;
    case "timeout":
      return `timed out in the ${result.phase} after ${result.limitMs} ms`;
    case "wrong_result":
      return `wrong result at index ${result.firstBadIndex} of ${result.output} (expected ${result.expected}, received ${result.received}; ${result.distribution} inputs, seed ${result.inputSeed})`;
    case "rejected":
      return `rejected (${result.reason}): ${result.detail.slice(0, 200)}`;
    case "infra_error":
      return `infrastructure error: ${result.cause.slice(0, 200)}`;
  }
}
