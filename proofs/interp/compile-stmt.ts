// Statements to closures returning a completion code. Loops count steps against the budget. Loops that
// OpenMP or a SIMD assertion makes parallel run their iterations as distinct actors, so that memory
// accesses of different iterations are checked for conflicts; a write to a variable shared by the
// iterations is a race.

import type { Expr, Stmt } from "../c/ast.ts";
import type { Ctx, Exec } from "./context.ts";
import { BREAK, CONTINUE, NORMAL, RETURN, Scope } from "./context.ts";
import { converter, implicitlyConvertible, truth } from "./convert.ts";
import { compileDecl, fullExpression } from "./compile-decl.ts";
import { unproven, type At } from "./findings.ts";
import { release } from "./invoke.ts";
import { pragmaMeaning, type PragmaMeaning } from "./pragmas.ts";
import { rt, step, type Actor } from "./runtime.ts";
import { commonType, decay, typeToString, unqualified } from "../c/types.ts";
import { compileExpr } from "./compile-expr.ts";
import { sequencingProblem } from "./sequencing.ts";

type Loop = Extract<Stmt, { t: "for" }>;

export function at(s: Stmt | Expr): At {
  return { line: s.line, file: s.file };
}

function failing(where: At, reason: string): Exec {
  return () => unproven(reason, where);
}

/** Runs `body` in a fresh block scope nested in the current one. */
export function withScope<X>(ctx: Ctx, body: () => X): X {
  const saved = ctx.scope;
  ctx.scope = new Scope(saved);
  try {
    return body();
  } finally {
    ctx.scope = saved;
  }
}

function condition(ctx: Ctx, e: Expr): (f: Parameters<Exec>[0]) => boolean {
  const direct = integerComparison(ctx, e);
  if (direct) return direct;
  const ce = fullExpression(ctx, e);
  const tr = truth(ce.type, at(e));
  const ev = ce.ev;
  return (f) => tr(ev(f));
}

/** `a < b` on integers as a boolean closure, without the 0/1 int the expression itself yields. */
function integerComparison(ctx: Ctx, e: Expr): ((f: Parameters<Exec>[0]) => boolean) | undefined {
  if (e.t !== "binary" || !["<", ">", "<=", ">=", "==", "!="].includes(e.op)) return undefined;
  if (sequencingProblem(e, ctx.scope, ctx.prog) !== undefined) return undefined;
  const l = compileExpr(ctx, e.left);
  const r = compileExpr(ctx, e.right);
  const lt = decay(l.type);
  const rt = decay(r.type);
  if (lt.k !== "int" || rt.k !== "int") return undefined;
  const t = commonType(lt, rt);
  const lc = converter(lt, t, at(e));
  const rc = converter(rt, t, at(e));
  const a = lc === null ? l.ev : (f: Parameters<Exec>[0]) => lc(l.ev(f));
  const b = rc === null ? r.ev : (f: Parameters<Exec>[0]) => rc(r.ev(f));
  switch (e.op) {
    case "<":
      return (f) => (a(f) as number) < (b(f) as number);
    case ">":
      return (f) => (a(f) as number) > (b(f) as number);
    case "<=":
      return (f) => (a(f) as number) <= (b(f) as number);
    case ">=":
      return (f) => (a(f) as number) >= (b(f) as number);
    case "==":
      return (f) => a(f) === b(f);
    default:
      return (f) => a(f) !== b(f);
  }
}

function block(ctx: Ctx, s: Extract<Stmt, { t: "block" }>): Exec {
  return withScope(ctx, () => {
    const items = s.items.map((it) => compileStmt(ctx, it));
    const hasDecl = s.items.some((it) => it.t === "decl" || (it.t === "pragma" && it.body?.t === "decl"));
    if (!hasDecl) {
      return (f) => {
        for (let k = 0; k < items.length; k++) {
          const c = items[k]!(f);
          if (c !== NORMAL) return c;
        }
        return NORMAL;
      };
    }
    return (f) => {
      const locals = f.locals.length;
      const restricts = f.restricts.length;
      let c = NORMAL;
      for (let k = 0; k < items.length; k++) {
        c = items[k]!(f);
        if (c !== NORMAL) break;
      }
      release(f, locals, restricts);
      return c;
    };
  });
}

function declarations(ctx: Ctx, s: Extract<Stmt, { t: "decl" }>): Exec {
  const execs = s.decls.map((d) => compileDecl(ctx, d)).filter((x): x is Exec => x !== null);
  if (execs.length === 0) return () => NORMAL;
  if (execs.length === 1) return execs[0]!;
  return (f) => {
    for (const e of execs) e(f);
    return NORMAL;
  };
}

interface Parallel {
  readonly meaning: Extract<PragmaMeaning, { kind: "loop" }>;
  /** Loops of the collapsed nest still to enter (1: this one's body holds the iterations). */
  readonly remaining: number;
  readonly box: { phase: number };
}

/** The single for statement a collapsed loop nest continues with. */
function nestedLoop(s: Stmt): Loop | undefined {
  if (s.t === "for") return s;
  if (s.t === "block" && s.items.length === 1) return nestedLoop(s.items[0]!);
  return undefined;
}

function iterationActor(body: Exec, box: { phase: number }, where: At): Exec {
  return (f) => {
    const saved = rt.actor;
    const actor: Actor = { block: 1, id: rt.nextActorId++, phase: box.phase, replicated: false };
    rt.actor = actor;
    const c = body(f);
    rt.actor = saved;
    if (c === BREAK || c === RETURN) return unproven("break or return inside a parallel loop", where);
    return c;
  };
}

function forLoop(ctx: Ctx, s: Loop, par: Parallel | null): Exec {
  const where = at(s);
  return withScope(ctx, () => {
    let init: Exec | null = null;
    let sharedCounter: number | null = null;
    if (s.init) {
      if (s.init.t === "expr") {
        init = compileStmt(ctx, s.init);
        const e = s.init.expr;
        if (e.t === "assign" && e.target.t === "id") {
          const v = ctx.scope.lookup(e.target.name);
          if (v?.k === "reg") sharedCounter = v.slot;
        }
      } else init = compileStmt(ctx, s.init);
    }
    const test = s.test ? condition(ctx, s.test) : null;
    const stepExpr = s.step ? fullExpression(ctx, s.step).ev : null;
    let body: Exec;
    if (par !== null && par.remaining > 1) {
      const inner = nestedLoop(s.body);
      if (!inner) return failing(where, `collapse(${par.meaning.collapse}) over loops that are not perfectly nested`);
      body = forLoop(ctx, inner, { ...par, remaining: par.remaining - 1 });
    } else if (par !== null) {
      const fn = ctx.fn!;
      const saved = fn.parallelFloor;
      fn.parallelFloor = fn.serial;
      const plain = compileStmt(ctx, s.body);
      fn.parallelFloor = saved;
      body = iterationActor(plain, par.box, where);
    } else body = compileStmt(ctx, s.body);
    const outermost = par !== null && par.remaining === par.meaning.collapse;
    const run: Exec = (f) => {
      if (init !== null) init(f);
      for (;;) {
        step(where);
        if (test !== null && !test(f)) break;
        const c = body(f);
        if (c === BREAK) break;
        if (c === RETURN) return RETURN;
        if (stepExpr !== null) stepExpr(f);
      }
      return NORMAL;
    };
    if (!outermost) return run;
    const meaning = par!.meaning;
    const box = par!.box;
    return (f) => {
      const team = rt.actor;
      if (team !== null && (!team.replicated || meaning.parallel || meaning.simd)) return unproven("nested parallelism (a parallel or SIMD loop inside another)", where);
      box.phase = team !== null ? team.phase : ++rt.phase;
      const c = run(f);
      // OpenMP makes the loop counter private: after the loop the shared variable's value is unspecified.
      if (sharedCounter !== null) f.s[sharedCounter] = undefined;
      return c;
    };
  });
}

function region(ctx: Ctx, s: Stmt, where: At): Exec {
  const fn = ctx.fn!;
  const saved = fn.parallelFloor;
  fn.parallelFloor = fn.serial;
  const body = compileStmt(ctx, s);
  fn.parallelFloor = saved;
  return (f) => {
    if (rt.actor !== null) return unproven("nested parallelism (an OpenMP region inside a parallel context)", where);
    const team: Actor = { block: 1, id: rt.nextActorId++, phase: ++rt.phase, replicated: true };
    rt.actor = team;
    const c = body(f);
    rt.actor = null;
    if (c !== NORMAL) return unproven("a jump out of an OpenMP parallel region", where);
    return NORMAL;
  };
}

function pragma(ctx: Ctx, s: Extract<Stmt, { t: "pragma" }>): Exec {
  const where = at(s);
  const meaning = pragmaMeaning(s.text);
  if (meaning.kind === "unsupported") return failing(where, `unsupported construct: ${meaning.reason}`);
  if (!s.body) return meaning.kind === "ignore" ? () => NORMAL : failing(where, `#pragma ${s.text} without a statement`);
  if (meaning.kind === "ignore") return compileStmt(ctx, s.body);
  if (meaning.kind === "region") return region(ctx, s.body, where);
  if (s.body.t !== "for") return failing(where, `#pragma ${s.text} not followed by a for loop`);
  return forLoop(ctx, s.body, { meaning, remaining: meaning.collapse, box: { phase: 0 } });
}

function switchStmt(ctx: Ctx, s: Extract<Stmt, { t: "switch" }>): Exec {
  const where = at(s);
  if (s.body.t !== "block") return failing(where, "a switch whose body is not a block");
  const test = fullExpression(ctx, s.test);
  const tt = unqualified(test.type);
  if (tt.k !== "int") return failing(where, `a switch on ${typeToString(tt)}`);
  return withScope(ctx, () => {
    const entries = new Map<string, number>();
    let deflt = -1;
    const items: Exec[] = [];
    for (const raw of (s.body as Extract<Stmt, { t: "block" }>).items) {
      let it: Stmt = raw;
      for (;;) {
        if (it.t === "case") {
          const ce = fullExpression(ctx, it.value);
          if (ce.konst === undefined) return failing(where, "a case label that is not an integer constant");
          const c = converter(ce.type, tt, where);
          entries.set(String(c === null ? ce.konst : c(ce.konst)), items.length);
          it = it.body;
        } else if (it.t === "default") {
          deflt = items.length;
          it = it.body;
        } else break;
      }
      if (it.t === "decl") return failing(where, "a declaration directly inside a switch");
      items.push(compileStmt(ctx, it));
    }
    const ev = test.ev;
    return (f) => {
      const v = ev(f);
      let k = entries.get(String(v)) ?? deflt;
      if (k < 0) return NORMAL;
      for (; k < items.length; k++) {
        const c = items[k]!(f);
        if (c === BREAK) return NORMAL;
        if (c !== NORMAL) return c;
      }
      return NORMAL;
    };
  });
}

export function compileStmt(ctx: Ctx, s: Stmt): Exec {
  const where = at(s);
  switch (s.t) {
    case "block":
      return block(ctx, s);
    case "decl":
      return declarations(ctx, s);
    case "expr": {
      const ev = fullExpression(ctx, s.expr).ev;
      return (f) => {
        ev(f);
        return NORMAL;
      };
    }
    case "if": {
      const test = condition(ctx, s.test);
      const then = withScope(ctx, () => compileStmt(ctx, s.then));
      const otherwise = s.else ? withScope(ctx, () => compileStmt(ctx, s.else!)) : null;
      return (f) => (test(f) ? then(f) : otherwise !== null ? otherwise(f) : NORMAL);
    }
    case "for":
      return forLoop(ctx, s, null);
    case "while": {
      const test = condition(ctx, s.test);
      const body = withScope(ctx, () => compileStmt(ctx, s.body));
      return (f) => {
        for (;;) {
          step(where);
          if (!test(f)) return NORMAL;
          const c = body(f);
          if (c === BREAK) return NORMAL;
          if (c === RETURN) return RETURN;
        }
      };
    }
    case "do": {
      const body = withScope(ctx, () => compileStmt(ctx, s.body));
      const test = condition(ctx, s.test);
      return (f) => {
        for (;;) {
          step(where);
          const c = body(f);
          if (c === BREAK) return NORMAL;
          if (c === RETURN) return RETURN;
          if (!test(f)) return NORMAL;
        }
      };
    }
    case "return": {
      const ret = ctx.fn!.ret;
      if (!s.value) return () => RETURN;
      const ce = fullExpression(ctx, s.value);
      if (ret.k === "void") {
        const ev = ce.ev;
        return (f) => {
          ev(f);
          return RETURN;
        };
      }
      const isNull = ce.konst === 0 || ce.konst === 0n;
      if (!implicitlyConvertible(ce.type, unqualified(ret), isNull)) return failing(where, `returning ${typeToString(ce.type)} from a function returning ${typeToString(ret)}`);
      const conv = converter(ce.type, unqualified(ret), where, isNull);
      const ev = ce.ev;
      return (f) => {
        f.ret = conv === null ? ev(f) : conv(ev(f));
        return RETURN;
      };
    }
    case "break":
      return () => BREAK;
    case "continue":
      return () => CONTINUE;
    case "switch":
      return switchStmt(ctx, s);
    case "case":
    case "default":
      return failing(where, "a case label outside the top level of a switch block");
    case "pragma":
      return pragma(ctx, s);
    case "empty":
      return () => NORMAL;
    case "unsupported":
      return failing(where, `unsupported construct: ${s.what}`);
  }
}
