// proveVariant: preprocess the variant and the reference, choose the sizes, and run the proof in a worker
// thread with a heap limit, a wall-clock limit (the worker is terminated when it expires) and a step
// budget inside the interpreter. Every failure of the machinery itself becomes an unproven verdict.

import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { CoreInput, CoreOutput } from "./prove-core.ts";
import { prepareProof } from "./prepare.ts";
import { preprocessWithCompiler } from "./preprocess.ts";
import { ReferenceCache, type SerializedOutputs } from "./reference-cache.ts";
import { sizeKey } from "./sizes.ts";
import { layoutAt } from "./run/layout.ts";
import type { ProofLimits, ProofRequest, ProofVerdict } from "./types.ts";

export const DEFAULT_LIMITS: Required<ProofLimits> = { timeMs: 60_000, heapMb: 2048, steps: 50_000_000, seed: 1 };

const referenceCache = new ReferenceCache();
const preprocessedReferences = new Map<string, string>();

type WorkerAnswer = { ok: true; output: CoreOutput; cpuMs: number } | { ok: false; error: string };
type Outcome = { kind: "answer"; answer: WorkerAnswer } | { kind: "failed"; reason: string };

function workerBootstrap(): URL {
  // The worker is TypeScript like the rest of nightshift, so it registers the same loader bin/nightshift.js uses.
  const workerUrl = new URL("./worker.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const source = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(workerUrl)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** Workers that finished a proof within their limits wait here for the next one (starting one takes seconds). */
const idle: { worker: Worker; heapMb: number }[] = [];
const MAX_IDLE = 2;

/** Only our own listeners: Node's Worker keeps internal ones (port referencing) that must stay. */
function dropListeners(worker: Worker): void {
  for (const event of ["message", "error", "exit"]) worker.removeAllListeners(event);
}

function takeWorker(heapMb: number): Worker {
  const k = idle.findIndex((w) => w.heapMb === heapMb);
  if (k >= 0) {
    const { worker } = idle.splice(k, 1)[0]!;
    dropListeners(worker);
    worker.ref();
    return worker;
  }
  return new Worker(workerBootstrap(), { resourceLimits: { maxOldGenerationSizeMb: heapMb, stackSizeMb: 32 } });
}

function keepWorker(worker: Worker, heapMb: number): void {
  dropListeners(worker);
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  // An idle worker must not keep the process alive, and one that dies while idle is forgotten.
  worker.unref();
  const entry = { worker, heapMb };
  worker.once("exit", () => {
    const k = idle.indexOf(entry);
    if (k >= 0) idle.splice(k, 1);
  });
  worker.on("error", () => undefined);
  idle.push(entry);
}

function runInWorker(input: CoreInput, limits: Required<ProofLimits>): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = takeWorker(limits.heapMb);
    const finish = (o: Outcome, reusable: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (reusable) keepWorker(worker, limits.heapMb);
      else void worker.terminate();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: "failed", reason: `time limit: the proof did not finish within ${limits.timeMs} ms` }, false), limits.timeMs);
    worker.once("message", (answer: WorkerAnswer) => finish({ kind: "answer", answer }, answer.ok));
    worker.once("error", (err: Error & { code?: string }) =>
      finish({ kind: "failed", reason: err.code === "ERR_WORKER_OUT_OF_MEMORY" ? `memory limit: the proof needed more than ${limits.heapMb} MiB` : `the proof worker failed: ${err.message}` }, false),
    );
    worker.once("exit", (code) => finish({ kind: "failed", reason: `the proof worker exited with code ${code}` }, false));
    worker.postMessage(input);
  });
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export async function proveVariant(request: ProofRequest, limits: ProofLimits = {}): Promise<ProofVerdict> {
  const start = performance.now();
  const lim: Required<ProofLimits> = { ...DEFAULT_LIMITS, ...limits };
  const ms = (): number => Math.round(performance.now() - start);
  const { spec, params } = request;
  const preprocess = request.preprocess ?? preprocessWithCompiler;
  const prepared = await prepareProof(request, async (source) => {
    const key = hash(source);
    const text = preprocessedReferences.get(key) ?? (await preprocess(source, [], "c"));
    preprocessedReferences.set(key, text);
    return text;
  });
  if (prepared.kind === "unproven") return { status: "unproven", reason: prepared.reason, ms: ms(), ...(prepared.transient ? { transient: true } : {}) };
  const { sizes, variantText, probeText, referenceText, language } = prepared;
  // Reference outputs depend on the reference and on how it is called (buffer lengths, scalar values),
  // never on the variant, so variants of one spec share them.
  const refHash = hash(`${referenceText}\u0000${spec.reference.function}`);
  const cacheKeys = new Map<string, string>();
  const cached: Record<string, SerializedOutputs> = {};
  for (const s of sizes) {
    const layout = layoutAt(spec, params, s);
    if (typeof layout === "string") continue;
    const key = `${refHash}|${JSON.stringify(layout)}`;
    cacheKeys.set(sizeKey(s), key);
    const hit = referenceCache.get(key);
    if (hit) cached[sizeKey(s)] = hit;
  }
  // The worker stops starting sizes at the deadline and answers; the hard limit only catches a size that
  // runs far past it.
  const remaining = lim.timeMs - (performance.now() - start);
  const input: CoreInput = { spec, params, variantText, probeText, referenceText, language, sizes, cached, stepLimit: lim.steps, seed: lim.seed, deadline: Date.now() + remaining * 0.8 };
  const outcome = await runInWorker(input, { ...lim, timeMs: Math.max(1000, remaining) });
  if (outcome.kind === "failed") return { status: "unproven", reason: outcome.reason, ms: ms() };
  if (!outcome.answer.ok) return { status: "unproven", reason: `the interpreter failed: ${outcome.answer.error}`, ms: ms() };
  const { verdict, newReference } = outcome.answer.output;
  for (const [k, v] of Object.entries(newReference)) {
    const key = cacheKeys.get(k);
    if (key !== undefined) referenceCache.set(key, v);
  }
  return { ...verdict, ms: ms(), cpuMs: outcome.answer.cpuMs } as ProofVerdict;
}
