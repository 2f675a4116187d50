// The adversarial set (test/fixtures/adversarial/): variants of examples/matmul written by an attacker who has
// read the harness, each built with gcc and judged by the real protocol (tools, sandbox, monitor, sanitizer,
// compare program). Each must get the verdict its file names; after each run no process of it is left, it
// wrote nothing outside its run's directory, and it reached no listener.

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { testSeed } from "./support/seed.ts";

const ROOT = join(import.meta.dirname, "..");
const DIR = join(ROOT, "test", "fixtures", "adversarial");
const TUNE = 128;
const token = `${process.pid}-${testSeed().seed}`;
const ESCAPE = join(tmpdir(), `nightshift-adversarial-escape-${token}`);
const PRELUDE = readFileSync(join(DIR, "_syscall.txt"), "utf8");

interface Attack {
  name: string;
  source: string;
  expected: Array<{ status: EvalResult["status"]; reason?: string }>;
  detail?: RegExp;
  openmp: boolean;
}

/** NIGHTSHIFT_ADVERSARIAL=name,name judges only those (when looking into one). */
const ONLY = process.env.NIGHTSHIFT_ADVERSARIAL?.split(",");

function attacks(port: number): Attack[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".c") && (!ONLY || ONLY.includes(f.replace(/\.c$/, ""))))
    .sort()
    .map((file) => {
      const text = readFileSync(join(DIR, file), "utf8");
      const expect = /^\/\/ expect: (.+)$/m.exec(text)![1]!;
      const detail = /^\/\/ detail: (.+)$/m.exec(text)?.[1];
      return {
        name: file.replace(/\.c$/, ""),
        source: text
          .replace("NS_ADV_PRELUDE", PRELUDE)
          .replaceAll("NS_ADV_ESCAPE", ESCAPE)
          .replaceAll("NS_ADV_PORT", String(port))
          .replaceAll("NS_ADV_TUNE", String(TUNE)),
        expected: expect.split("|").map((e) => {
          const [status, reason] = e.split(":") as [EvalResult["status"], string | undefined];
          return reason ? { status, reason } : { status };
        }),
        ...(detail ? { detail: new RegExp(detail) } : {}),
        openmp: /^\/\/ spec: openmp$/m.test(text),
      };
    });
}

/** examples/matmul at smaller sizes (the attacks aim at its tuning size by value), and its OpenMP form. */
function matmulSpec(openmp: boolean): KernelSpec {
  const spec = loadSpec(join(ROOT, "examples", "matmul"));
  const small = { ...spec, problem: { tune: { N: TUNE }, verify: [{ N: 37 }, { N: 61 }] }, timing: { ...spec.timing, warmup: 1, repetitions: 7, timeLimitSeconds: 60 } };
  if (!openmp) return small;
  return { ...small, threads: "all", build: { ...small.build, flags: [...small.build.flags, "-fopenmp"] } };
}

/** Processes naming a mark on their command line, or living in a sandbox whose /work is a directory named by it. */
function processesMentioning(marks: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const mounts = () => readFileSync(`/proc/${pid}/mountinfo`, "utf8");
      if (marks.some((m) => cmdline.includes(m)) || marks.some((m) => mounts().includes(m))) found.push(`${pid}: ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

let executor: LocalExecutor;
let device: HardwareProfile;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  executor = new LocalExecutor();
  device = await loadProfile("local");
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await executor.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(ESCAPE, { force: true });
});

describe("the adversarial set against examples/matmul", () => {
  it.skipIf(ONLY)("has at least 30 variants covering every class, honest ones included", () => {
    const all = attacks(1);
    expect(all.length).toBeGreaterThanOrEqual(30);
    expect(all.filter((a) => a.expected.some((e) => e.status === "ok")).length).toBeGreaterThanOrEqual(4);
  });

  // Two at a time: the machine has two cores, and nothing here asserts a time.
  it("gives each the verdict it names, leaves no process, writes nothing outside its directory and reaches no listener", async () => {
    const all = attacks(port);
    const failures: string[] = [];
    const queue = [...all];
    const judge = async (attack: Attack): Promise<void> => {
      const spec = matmulSpec(attack.openmp);
      const variant = makeVariant(spec, spec.baseline, { source: attack.source, origin: "model" });
      const result = await evaluateVariant(executor, variant, device);
      const got = { status: result.status, reason: result.status === "rejected" ? result.reason : undefined };
      const matches = attack.expected.some((e) => e.status === got.status && (e.reason === undefined || e.reason === got.reason));
      const detail = result.status === "rejected" ? result.detail : result.status === "runtime_error" ? result.stderrTail : "";
      if (!matches) failures.push(`${attack.name}: expected ${attack.expected.map((e) => `${e.status}${e.reason ? `:${e.reason}` : ""}`).join(" or ")}, received ${JSON.stringify(result).slice(0, 600)}`);
      else if (attack.detail && !attack.detail.test(detail)) failures.push(`${attack.name}: detail ${JSON.stringify(detail)} does not match ${attack.detail}`);
      // Only this attack's: the other one judged beside it is still running.
      const left = processesMentioning([variant.hash, ESCAPE]);
      if (left.length > 0) failures.push(`${attack.name}: left processes ${left.join("; ")}`);
      if (existsSync(ESCAPE)) failures.push(`${attack.name}: wrote ${ESCAPE} outside its directory`);
    };
    await Promise.all([0, 1].map(async () => {
      for (let attack = queue.shift(); attack; attack = queue.shift()) await judge(attack);
    }));
    // Children that would act later get a chance to, before the last look.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const left = processesMentioning([await executor.rootDir(), ESCAPE]);
    if (left.length > 0) failures.push(`processes left after every run: ${left.join("; ")}`);
    if (existsSync(ESCAPE)) failures.push(`something wrote ${ESCAPE} after its run`);
    expect(connections, "connections that reached the test's listener").toBe(0);
    expect(failures, failures.join("\n")).toEqual([]);
  }, 1_800_000);
});
