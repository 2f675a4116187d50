// A kernel launch, block after block. Without barriers each thread runs to completion in turn; with them,
// every thread of the block is a coroutine and all of them run to the same barrier before any continues
// (a barrier not reached by every thread of the block is undefined behaviour). Threads of different
// blocks, and threads of one block between two barriers, are distinct actors for the race checks.

import type { FunctionEntry, ProgramInfo } from "./context.ts";
import { DYNAMIC_SHARED } from "./cuda-state.ts";
import { unproven, type At } from "./findings.ts";
import { invoke, invokeGen } from "./invoke.ts";
import { newObject, Ptr } from "./memory.ts";
import { rt, step, type Actor, type CudaThread } from "./runtime.ts";

export type Dim3 = readonly [number, number, number];

export interface LaunchGeometry {
  readonly grid: Dim3;
  readonly block: Dim3;
  readonly dynamicSharedBytes: number;
}

interface Thread {
  readonly cuda: CudaThread;
  readonly actor: Actor;
  readonly gen: Generator<At, unknown, void>;
  done: boolean;
}

function threadsOf(geometry: LaunchGeometry, bid: Dim3, blockId: number, phase: number): { cuda: CudaThread; actor: Actor }[] {
  const out: { cuda: CudaThread; actor: Actor }[] = [];
  const [bx, by, bz] = geometry.block;
  for (let z = 0; z < bz; z++)
    for (let y = 0; y < by; y++)
      for (let x = 0; x < bx; x++) {
        out.push({
          cuda: { tid: [x, y, z], bid, bdim: geometry.block, gdim: geometry.grid },
          actor: { block: blockId, id: rt.nextActorId++, phase, replicated: false },
        });
      }
  return out;
}

export function launch(prog: ProgramInfo, entry: FunctionEntry, args: readonly unknown[], geometry: LaunchGeometry, at: At): void {
  const [gx, gy, gz] = geometry.grid;
  let blockId = 0;
  try {
    for (let z = 0; z < gz; z++)
      for (let y = 0; y < gy; y++)
        for (let x = 0; x < gx; x++) {
          blockId++;
          rt.block = new Map();
          if (geometry.dynamicSharedBytes > 0) {
            const shared = newObject("dynamic shared memory", geometry.dynamicSharedBytes, 16, "shared", false, 4);
            rt.block.set(DYNAMIC_SHARED, new Ptr(shared, 0, null));
          }
          const phase = ++rt.phase;
          const threads = threadsOf(geometry, [x, y, z], blockId, phase);
          if (!entry.barrier) {
            for (const t of threads) {
              rt.thread = t.cuda;
              rt.actor = t.actor;
              invoke(prog, entry, args, at, false);
            }
            continue;
          }
          const running: Thread[] = threads.map((t) => {
            rt.thread = t.cuda;
            rt.actor = t.actor;
            return { ...t, gen: invokeGen(prog, entry, args, at, false), done: false };
          });
          for (;;) {
            step(at);
            const now = ++rt.phase;
            let site: At | null = null;
            let waiting = 0;
            let finished = 0;
            for (const t of running) {
              if (t.done) continue;
              rt.thread = t.cuda;
              rt.actor = t.actor;
              t.actor.phase = now;
              const r = t.gen.next();
              if (r.done) {
                t.done = true;
                finished++;
              } else {
                waiting++;
                if (site === null) site = r.value;
                else if (site !== r.value) return unproven(`threads of one block wait at different barriers (lines ${site.line} and ${r.value.line}), which is undefined behaviour`, r.value);
              }
            }
            if (waiting > 0 && (finished > 0 || running.some((t) => t.done))) return unproven(`a barrier at line ${site!.line} is reached by only some threads of a block, which is undefined behaviour`, site!);
            if (waiting === 0) break;
          }
        }
  } finally {
    rt.block = null;
    rt.thread = null;
    rt.actor = null;
  }
}
