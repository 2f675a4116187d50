// A function definition to a compiled body: parameters to slots, locals whose address is taken to memory.

import type { Expr, Stmt } from "../c/ast.ts";
import { Q_RESTRICT, unqualified } from "../c/types.ts";
import { compileGen } from "./compile-gen.ts";
import { compileStmt } from "./compile-stmt.ts";
import { needsMemory } from "./compile-decl.ts";
import { Scope, type CompiledFunction, type Ctx, type FnState, type FunctionEntry, type ParamBinding, type ProgramInfo } from "./context.ts";
import { unproven } from "./findings.ts";

function visitExpr(e: Expr, out: Set<string>): void {
  switch (e.t) {
    case "unary":
      if (e.op === "&") {
        let target = e.operand;
        while (target.t === "index" || (target.t === "member" && !target.arrow)) target = target.t === "index" ? target.base : target.object;
        if (target.t === "id") out.add(target.name);
      }
      visitExpr(e.operand, out);
      return;
    case "binary":
    case "comma":
      visitExpr(e.left, out);
      visitExpr(e.right, out);
      return;
    case "assign":
      visitExpr(e.target, out);
      visitExpr(e.value, out);
      return;
    case "incdec":
    case "cast":
      visitExpr(e.operand, out);
      return;
    case "cond":
      visitExpr(e.test, out);
      visitExpr(e.then, out);
      visitExpr(e.else, out);
      return;
    case "call":
      visitExpr(e.callee, out);
      e.args.forEach((a) => visitExpr(a, out));
      return;
    case "index":
      visitExpr(e.base, out);
      visitExpr(e.index, out);
      return;
    case "member":
      visitExpr(e.object, out);
      return;
    case "sizeof":
      if (e.operand) visitExpr(e.operand, out);
      return;
    default:
      return;
  }
}

function visitInit(i: import("../c/ast.ts").Init, out: Set<string>): void {
  if (i.t === "expr") visitExpr(i.expr, out);
  else i.items.forEach((it) => visitInit(it.init, out));
}

/** Names whose address is taken anywhere in the body (a conservative superset, ignoring shadowing). */
function addressTaken(s: Stmt, out: Set<string>): void {
  switch (s.t) {
    case "block":
      s.items.forEach((x) => addressTaken(x, out));
      return;
    case "decl":
      s.decls.forEach((d) => d.init && visitInit(d.init, out));
      return;
    case "expr":
      visitExpr(s.expr, out);
      return;
    case "if":
      visitExpr(s.test, out);
      addressTaken(s.then, out);
      if (s.else) addressTaken(s.else, out);
      return;
    case "for":
      if (s.init) addressTaken(s.init, out);
      if (s.test) visitExpr(s.test, out);
      if (s.step) visitExpr(s.step, out);
      addressTaken(s.body, out);
      return;
    case "while":
    case "do":
      visitExpr(s.test, out);
      addressTaken(s.body, out);
      return;
    case "return":
      if (s.value) visitExpr(s.value, out);
      return;
    case "switch":
      visitExpr(s.test, out);
      addressTaken(s.body, out);
      return;
    case "case":
      addressTaken(s.body, out);
      return;
    case "default":
    case "pragma":
      if (s.body) addressTaken(s.body, out);
      return;
    default:
      return;
  }
}

export function compileFunction(prog: ProgramInfo, entry: FunctionEntry): CompiledFunction {
  const def = entry.def;
  const where = { line: def.line, file: def.file };
  if (def.unsupported) {
    const why = def.unsupported;
    return { name: def.name, type: def.type, nslots: 0, params: [], body: () => unproven(`${def.name} uses ${why}`, where) };
  }
  const taken = new Set<string>();
  addressTaken(def.body, taken);
  const fn: FnState = { name: def.name, ret: def.type.ret, addressTaken: taken, nslots: 0, serial: 0, parallelFloor: null, kernel: def.cuda.global === true };
  const ctx: Ctx = { prog, scope: new Scope(null), fn };
  const params: ParamBinding[] = [];
  (def.type.params ?? []).forEach((p, k) => {
    const name = def.paramNames[k] ?? `<parameter ${k + 1}>`;
    const type = unqualified(p.type);
    const memory = needsMemory(type, name, taken);
    const slot = fn.nslots++;
    const serial = fn.serial++;
    params.push({ slot, memory, type, name, restrict: p.type.k === "ptr" && ((p.type.q ?? 0) & Q_RESTRICT) !== 0 });
    if (def.paramNames[k]) ctx.scope.vars.set(name, memory ? { k: "mem", slot, type, name, serial } : { k: "reg", slot, type, name, serial });
  });
  if (entry.barrier) {
    const gen = compileGen(ctx, def.body);
    return { name: def.name, type: def.type, nslots: fn.nslots, params, body: () => unproven(`${def.name} waits at a barrier but was called outside a kernel's threads`, where), gen };
  }
  const body = compileStmt(ctx, def.body);
  return { name: def.name, type: def.type, nslots: fn.nslots, params, body };
}
