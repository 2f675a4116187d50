// Statements of CUDA functions that reach __syncthreads, compiled as generators: a thread yields at each
// barrier so the launch can run every thread of the block up to it before any goes further. Statements
// without a barrier inside are compiled normally and wrapped.

import type { Expr, Stmt } from "../c/ast.ts";
import type { Ctx, Ev, GenExec, ProgramInfo } from "./context.ts";
import { BREAK, NORMAL, RETURN } from "./context.ts";
import { converter, truth } from "./convert.ts";
import { unqualified } from "../c/types.ts";
import { compileStmt, at, withScope } from "./compile-stmt.ts";
import { fullExpression } from "./compile-decl.ts";
import { compileExpr } from "./compile-expr.ts";
import { unproven } from "./findings.ts";
import { invokeGen, release } from "./invoke.ts";
import { step } from "./runtime.ts";

function callsBarrier(prog: ProgramInfo, e: Expr): boolean {
  switch (e.t) {
    case "call": {
      if (e.callee.t === "id") {
        if (e.callee.name === "__syncthreads") return true;
        if (prog.functions.get(e.callee.name)?.some((f) => f.barrier)) return true;
      }
      return e.args.some((a) => callsBarrier(prog, a)) || callsBarrier(prog, e.callee);
    }
    case "binary":
    case "comma":
      return callsBarrier(prog, e.left) || callsBarrier(prog, e.right);
    case "assign":
      return callsBarrier(prog, e.target) || callsBarrier(prog, e.value);
    case "unary":
    case "incdec":
    case "cast":
      return callsBarrier(prog, e.operand);
    case "cond":
      return callsBarrier(prog, e.test) || callsBarrier(prog, e.then) || callsBarrier(prog, e.else);
    case "index":
      return callsBarrier(prog, e.base) || callsBarrier(prog, e.index);
    case "member":
      return callsBarrier(prog, e.object);
    default:
      return false;
  }
}

/** Whether a statement can reach a barrier (directly or through a call). */
export function hasBarrier(prog: ProgramInfo, s: Stmt): boolean {
  switch (s.t) {
    case "block":
      return s.items.some((x) => hasBarrier(prog, x));
    case "decl":
      return s.decls.some((d) => d.init !== undefined && d.init.t === "expr" && callsBarrier(prog, d.init.expr));
    case "expr":
      return callsBarrier(prog, s.expr);
    case "if":
      return callsBarrier(prog, s.test) || hasBarrier(prog, s.then) || (s.else !== undefined && hasBarrier(prog, s.else));
    case "for":
      return (s.init !== undefined && hasBarrier(prog, s.init)) || (s.test !== undefined && callsBarrier(prog, s.test)) || (s.step !== undefined && callsBarrier(prog, s.step)) || hasBarrier(prog, s.body);
    case "while":
    case "do":
      return callsBarrier(prog, s.test) || hasBarrier(prog, s.body);
    case "return":
      return s.value !== undefined && callsBarrier(prog, s.value);
    case "switch":
      return callsBarrier(prog, s.test) || hasBarrier(prog, s.body);
    case "case":
    case "default":
      return hasBarrier(prog, s.body);
    case "pragma":
      return s.body !== undefined && hasBarrier(prog, s.body);
    default:
      return false;
  }
}

function failing(s: Stmt, reason: string): GenExec {
  const where = at(s);
  // eslint-disable-next-line require-yield
  return function* () {
    return unproven(reason, where);
  };
}

function barrierCall(ctx: Ctx, s: Extract<Stmt, { t: "expr" }>): GenExec {
  const where = at(s);
  const e = s.expr;
  if (e.t !== "call" || e.callee.t !== "id" || e.args.some((a) => callsBarrier(ctx.prog, a))) return failing(s, "__syncthreads reached from inside an expression (only as a statement or a call statement)");
  const name = e.callee.name;
  if (name === "__syncthreads") {
    if (e.args.length !== 0) return failing(s, "__syncthreads with arguments");
    return function* () {
      step(where);
      yield where;
      return NORMAL;
    };
  }
  const defs = ctx.prog.functions.get(name)!;
  if (defs.length !== 1) return failing(s, `a barrier inside the overloaded function ${name}`);
  const entry = defs[0]!;
  const params = entry.def.type.params ?? [];
  if (params.length !== e.args.length) return failing(s, `${name} called with ${e.args.length} arguments`);
  const args: Ev[] = e.args.map((a, k) => {
    const ce = compileExpr(ctx, a);
    const c = converter(ce.type, unqualified(params[k]!.type), where, ce.konst === 0 || ce.konst === 0n);
    const ev = ce.ev;
    return c === null ? ev : (f) => c(ev(f));
  });
  return function* (f) {
    const values = args.map((a) => a(f));
    yield* invokeGen(ctx.prog, entry, values, where);
    return NORMAL;
  };
}

export function compileGen(ctx: Ctx, s: Stmt): GenExec {
  if (!hasBarrier(ctx.prog, s)) {
    const plain = compileStmt(ctx, s);
    // eslint-disable-next-line require-yield
    return function* (f) {
      return plain(f);
    };
  }
  const where = at(s);
  switch (s.t) {
    case "block":
      return withScope(ctx, () => {
        const items = s.items.map((x) => compileGen(ctx, x));
        return function* (f) {
          const locals = f.locals.length;
          const restricts = f.restricts.length;
          let c = NORMAL;
          for (const item of items) {
            c = yield* item(f);
            if (c !== NORMAL) break;
          }
          release(f, locals, restricts);
          return c;
        };
      });
    case "expr":
      return barrierCall(ctx, s);
    case "if": {
      if (callsBarrier(ctx.prog, s.test)) return failing(s, "a barrier inside a condition");
      const ce = fullExpression(ctx, s.test);
      const tr = truth(ce.type, where);
      const test = ce.ev;
      const then = withScope(ctx, () => compileGen(ctx, s.then));
      const otherwise = s.else ? withScope(ctx, () => compileGen(ctx, s.else!)) : null;
      return function* (f) {
        if (tr(test(f))) return yield* then(f);
        return otherwise !== null ? yield* otherwise(f) : NORMAL;
      };
    }
    case "for":
      return withScope(ctx, () => {
        if ((s.test && callsBarrier(ctx.prog, s.test)) || (s.step && callsBarrier(ctx.prog, s.step)) || (s.init && hasBarrier(ctx.prog, s.init))) return failing(s, "a barrier inside a loop header");
        const init = s.init ? compileStmt(ctx, s.init) : null;
        const testCe = s.test ? fullExpression(ctx, s.test) : null;
        const tr = testCe ? truth(testCe.type, where) : null;
        const test = testCe?.ev ?? null;
        const stepEv = s.step ? fullExpression(ctx, s.step).ev : null;
        const body = withScope(ctx, () => compileGen(ctx, s.body));
        return function* (f) {
          if (init !== null) init(f);
          for (;;) {
            step(where);
            if (test !== null && !tr!(test(f))) break;
            const c = yield* body(f);
            if (c === BREAK) break;
            if (c === RETURN) return RETURN;
            if (stepEv !== null) stepEv(f);
          }
          return NORMAL;
        };
      });
    case "while":
    case "do": {
      if (callsBarrier(ctx.prog, s.test)) return failing(s, "a barrier inside a loop condition");
      const ce = fullExpression(ctx, s.test);
      const tr = truth(ce.type, where);
      const test = ce.ev;
      const body = withScope(ctx, () => compileGen(ctx, s.body));
      const isDo = s.t === "do";
      return function* (f) {
        for (;;) {
          step(where);
          if (!isDo && !tr(test(f))) return NORMAL;
          const c = yield* body(f);
          if (c === BREAK) return NORMAL;
          if (c === RETURN) return RETURN;
          if (isDo && !tr(test(f))) return NORMAL;
        }
      };
    }
    case "pragma":
      if (s.body && /^(unroll|GCC\s+unroll|nounroll)\b/.test(s.text.trim())) return compileGen(ctx, s.body);
      return failing(s, `#pragma ${s.text} around a barrier`);
    default:
      return failing(s, `a barrier inside a ${s.t} statement`);
  }
}
