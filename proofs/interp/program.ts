// A parsed translation unit as the interpreter sees it: defined functions (with overloads in CUDA), global
// variables, and which functions reach a CUDA barrier.

import type { Expr, FuncDef, Stmt, TranslationUnit } from "../c/ast.ts";
import type { FuncType } from "../c/types.ts";
import type { FunctionEntry, GlobalEntry, ProgramInfo } from "./context.ts";
import { compileInitializer } from "./compile-init.ts";
import { Frame, Scope } from "./context.ts";
import { Ptr } from "./memory.ts";
import { pragmaMeaning } from "./pragmas.ts";
import { markMemoryWriters } from "./effects.ts";
import { isPureBuiltin } from "./sequencing.ts";

export type Built = { readonly ok: true; readonly program: ProgramInfo } | { readonly ok: false; readonly reason: string; readonly line: number; readonly file: string };

/** Attributes that run or redirect code outside the kernel call: the whole program is then unsupported. */
const PROGRAM_LEVEL = /constructor|destructor|ifunc|alias|weakref|section/;

function calls(e: Expr, out: Set<string>): void {
  switch (e.t) {
    case "call":
      if (e.callee.t === "id") out.add(e.callee.name);
      else calls(e.callee, out);
      e.args.forEach((a) => calls(a, out));
      return;
    case "binary":
    case "comma":
      calls(e.left, out);
      calls(e.right, out);
      return;
    case "assign":
      calls(e.target, out);
      calls(e.value, out);
      return;
    case "unary":
    case "incdec":
    case "cast":
      calls(e.operand, out);
      return;
    case "cond":
      calls(e.test, out);
      calls(e.then, out);
      calls(e.else, out);
      return;
    case "index":
      calls(e.base, out);
      calls(e.index, out);
      return;
    case "member":
      calls(e.object, out);
      return;
    default:
      return;
  }
}

function callsIn(s: Stmt, out: Set<string>): void {
  switch (s.t) {
    case "block":
      s.items.forEach((x) => callsIn(x, out));
      return;
    case "decl":
      s.decls.forEach((d) => d.init?.t === "expr" && calls(d.init.expr, out));
      return;
    case "expr":
      calls(s.expr, out);
      return;
    case "if":
      calls(s.test, out);
      callsIn(s.then, out);
      if (s.else) callsIn(s.else, out);
      return;
    case "for":
      if (s.init) callsIn(s.init, out);
      if (s.test) calls(s.test, out);
      if (s.step) calls(s.step, out);
      callsIn(s.body, out);
      return;
    case "while":
    case "do":
    case "switch":
      calls(s.test, out);
      callsIn(s.body, out);
      return;
    case "return":
      if (s.value) calls(s.value, out);
      return;
    case "case":
    case "default":
      callsIn(s.body, out);
      return;
    case "pragma":
      if (s.body) callsIn(s.body, out);
      return;
    default:
      return;
  }
}

export function buildProgram(tu: TranslationUnit): Built {
  const functions = new Map<string, FunctionEntry[]>();
  const declared = new Map<string, FuncType>();
  const globals = new Map<string, GlobalEntry>();
  const globalList: GlobalEntry[] = [];
  const program: ProgramInfo = { cuda: tu.cplusplus, functions, declared, globals, globalList };
  for (const item of tu.items) {
    if (item.t === "pragma") {
      const m = pragmaMeaning(item.text);
      if (m.kind === "unsupported") return { ok: false, reason: `unsupported construct: ${m.reason}`, line: item.line, file: item.file };
      continue;
    }
    if (item.unsupported && PROGRAM_LEVEL.test(item.unsupported)) return { ok: false, reason: `unsupported construct: ${item.unsupported} on ${item.name}`, line: item.line, file: item.file };
    if (item.t === "func") {
      const list = functions.get(item.name) ?? [];
      list.push({ def: item as FuncDef, barrier: false, writesMemory: true });
      functions.set(item.name, list);
      continue;
    }
    if (item.storage === "typedef") continue;
    if (item.type.k === "func") {
      declared.set(item.name, item.type);
      continue;
    }
    if (item.storage === "extern" && !item.init && !item.cuda.shared) continue;
    if (item.cuda.shared) return { ok: false, reason: "a __shared__ variable at file scope", line: item.line, file: item.file };
    const existing = globals.get(item.name);
    if (existing && !existing.decl.init) globals.delete(item.name);
    else if (existing) continue;
    const entry: GlobalEntry = { name: item.name, type: item.type, decl: item, index: globalList.length };
    globalList.push(entry);
    globals.set(item.name, entry);
  }
  for (const entry of globals.values()) {
    const init = entry.decl.init;
    if (!init) continue;
    const ctx = { prog: program, scope: new Scope(null), fn: null };
    const run = compileInitializer(ctx, entry.type, init);
    entry.init = (obj) => run(new Frame(0), new Ptr(obj, 0, null));
  }
  if (program.cuda) markBarriers(functions);
  markMemoryWriters(functions, isPureBuiltin);
  return { ok: true, program };
}

/** A function reaches a barrier if it calls __syncthreads or a function that does. */
function markBarriers(functions: Map<string, FunctionEntry[]>): void {
  const callees = new Map<FunctionEntry, Set<string>>();
  for (const list of functions.values()) {
    for (const entry of list) {
      const out = new Set<string>();
      callsIn(entry.def.body, out);
      callees.set(entry, out);
      if (out.has("__syncthreads")) entry.barrier = true;
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [entry, out] of callees) {
      if (entry.barrier) continue;
      for (const name of out) {
        if (functions.get(name)?.some((f) => f.barrier)) {
          entry.barrier = true;
          changed = true;
          break;
        }
      }
    }
  }
}
