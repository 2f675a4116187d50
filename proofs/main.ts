// The proof as a program of its own, for the sandbox (sandboxed.ts bundles this file and runs it there):
//   node prove.mjs <request.json>
// reads one request, preprocesses with this machine's gcc -E / nvcc -E (inside the sandbox, so the variant's
// #include sees only what the sandbox shows), interprets on this thread and prints one JSON line on stdout:
// {"verdict": ...,"cpuMs": n} or {"error": "..."}. Its limits are the process's: the sandbox's wall-clock
// limit, V8's heap limit, and the step budget and deadline inside the interpreter.

import { readFileSync } from "node:fs";
import { prepareProof } from "./prepare.ts";
import { compilerPreprocessor } from "./preprocess.ts";
import { proveCore } from "./prove-core.ts";
import type { SandboxAnswer, SandboxRequest } from "./sandbox-request.ts";

async function main(path: string): Promise<SandboxAnswer> {
  const request = JSON.parse(readFileSync(path, "utf8")) as SandboxRequest;
  const preprocess = compilerPreprocessor(request.cudaArch !== undefined ? { cudaArch: request.cudaArch } : {});
  const prepared = await prepareProof(
    {
      spec: request.spec,
      params: request.params,
      variantSource: request.variantSource,
      preprocess,
      ...(request.sizes ? { sizes: request.sizes } : {}),
      ...(request.bound !== undefined ? { bound: request.bound } : {}),
    },
    (source) => preprocess(source, [], "c"),
  );
  if (prepared.kind === "unproven") return { verdict: { status: "unproven", reason: prepared.reason, ...(prepared.transient ? { transient: true } : {}) }, cpuMs: 0 };
  const before = process.cpuUsage();
  const output = proveCore({
    spec: request.spec,
    params: request.params,
    variantText: prepared.variantText,
    probeText: prepared.probeText,
    referenceText: prepared.referenceText,
    language: prepared.language,
    sizes: prepared.sizes,
    // A fresh process per proof: reference outputs are not carried in from another proof's process.
    cached: {},
    stepLimit: request.steps,
    seed: request.seed,
    // Measured from the process's start, which is when the sandbox's clock started too.
    deadline: performance.timeOrigin + request.timeMs * 0.8,
  });
  const used = process.cpuUsage(before);
  return { verdict: output.verdict, cpuMs: Math.round((used.user + used.system) / 1000) };
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write("usage: prove.mjs <request.json>\n");
  process.exitCode = 2;
} else {
  let answer: SandboxAnswer;
  try {
    answer = await main(path);
  } catch (err) {
    answer = { error: err instanceof Error ? err.message : String(err) };
  }
  // exitCode rather than exit(): a pipe write may still be in flight.
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
