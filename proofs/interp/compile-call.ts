// Calls: functions defined in the program (overloads resolved as C++ does for exact matches), and the
// library and compiler builtins kernels use, each with its exact meaning or a clear refusal.

import type { Expr } from "../c/ast.ts";
import { CUDA_VECTOR_TYPES } from "../c/cuda-types.ts";
import { commonType, decay, isArithmetic, ptrTo, sameType, SIZE_T, T, typeCode, typeToString, unqualified, type CType, type FloatType, type FuncType, type IntType, type ScalarType, type StructType } from "../c/types.ts";
import type { Poly } from "../exact/poly.ts";
import { loadAt } from "./access.ts";
import type { CE, Ctx, Ev, Frame } from "./context.ts";
import { converter, implicitlyConvertible } from "./convert.ts";
import { Finding, unproven, type At } from "./findings.ts";
import { fAbs, fAdd, fDiv, fFma, fMinMax, fMul, fSub } from "./floats.ts";
import { intNeg, type IntV } from "./ints.ts";
import { memcpyCells, memsetBytes, MemObject, newObject, Ptr, storeScalar } from "./memory.ts";
import { invoke } from "./invoke.ts";
import { compileExpr } from "./compile-expr.ts";

type Builtin = (args: CE[], at: At, ctx: Ctx) => CE;

function failing(type: CType, at: At, reason: string): CE {
  return { type, at, ev: () => unproven(reason, at) };
}

function arg(args: CE[], k: number, to: CType, at: At): Ev {
  const a = args[k]!;
  const c = converter(a.type, to, at, a.konst === 0 || a.konst === 0n);
  const ev = a.ev;
  return c === null ? ev : (f) => c(ev(f));
}

function arity(n: number, fn: Builtin, name: string): Builtin {
  return (args, at, ctx) => (args.length === n ? fn(args, at, ctx) : failing(T.int, at, `${name} called with ${args.length} arguments`));
}

function fma(t: FloatType): Builtin {
  return (args, at) => {
    const a = arg(args, 0, t, at);
    const b = arg(args, 1, t, at);
    const c = arg(args, 2, t, at);
    const fmt = t.fmt;
    return { type: t, at, ev: (f) => fFma(a(f) as Poly, b(f) as Poly, c(f) as Poly, fmt, at) };
  };
}

function floatBinary(t: FloatType, op: "+" | "-" | "*" | "/"): Builtin {
  return (args, at) => {
    const a = arg(args, 0, t, at);
    const b = arg(args, 1, t, at);
    const fmt = t.fmt;
    const fn = (x: Poly, y: Poly): Poly => (op === "+" ? fAdd(x, y, fmt) : op === "-" ? fSub(x, y, fmt) : op === "*" ? fMul(x, y, fmt, at) : fDiv(x, y, fmt, at));
    return { type: t, at, ev: (f) => fn(a(f) as Poly, b(f) as Poly) };
  };
}

function fabs(t: FloatType): Builtin {
  return (args, at) => {
    const a = arg(args, 0, t, at);
    return { type: t, at, ev: (f) => fAbs(a(f) as Poly, at) };
  };
}

function fminmax(t: FloatType, max: boolean): Builtin {
  return (args, at) => {
    const a = arg(args, 0, t, at);
    const b = arg(args, 1, t, at);
    return { type: t, at, ev: (f) => fMinMax(a(f) as Poly, b(f) as Poly, max, at) };
  };
}

/** CUDA's min and max, overloaded on integer and floating types. */
function cudaMinMax(max: boolean): Builtin {
  return (args, at) => {
    const lt = decay(args[0]!.type);
    const rt = decay(args[1]!.type);
    if (!isArithmetic(lt) || !isArithmetic(rt)) return failing(T.int, at, `${max ? "max" : "min"} of ${typeToString(lt)} and ${typeToString(rt)}`);
    const t = commonType(lt, rt);
    const a = arg(args, 0, t, at);
    const b = arg(args, 1, t, at);
    if (t.k === "float") return { type: t, at, ev: (f) => fMinMax(a(f) as Poly, b(f) as Poly, max, at) };
    return {
      type: t,
      at,
      ev: (f) => {
        const x = a(f) as IntV;
        const y = b(f) as IntV;
        return max ? (x >= y ? x : y) : x <= y ? x : y;
      },
    };
  };
}

function intAbs(t: IntType): Builtin {
  return (args, at) => {
    const a = arg(args, 0, t, at);
    return {
      type: t,
      at,
      ev: (f) => {
        const v = a(f) as IntV;
        return v < 0 ? intNeg(v, t, at) : v;
      },
    };
  };
}

function refuse(reason: string): Builtin {
  return (_args, at) => failing(T.int, at, reason);
}

function pointer(args: CE[], k: number, at: At): Ev | undefined {
  const t = decay(args[k]!.type);
  if (t.k !== "ptr" && !(args[k]!.konst === 0 || args[k]!.konst === 0n)) return undefined;
  return arg(args, k, ptrTo(T.void), at);
}

function size(args: CE[], k: number, at: At): (f: Frame) => number {
  const a = arg(args, k, SIZE_T, at);
  return (f) => {
    const n = Number(a(f));
    if (n > 1 << 28) return unproven(`a block of ${n} bytes is too large for the proof`, at);
    return n;
  };
}

function allocate(name: string, bytes: number, align: number, zero: boolean): Ptr {
  const obj = newObject(name, bytes, align, "heap", false, 1);
  if (zero) {
    for (let k = 0; k < bytes; k++) {
      obj.codes[k] = 14;
      obj.vals[k] = 0;
    }
  }
  return new Ptr(obj, 0, null);
}

const malloc: Builtin = (args, at) => {
  const n = size(args, 0, at);
  return { type: ptrTo(T.void), at, ev: (f) => allocate("malloc'd memory", n(f), 16, false) };
};

const calloc: Builtin = (args, at) => {
  const n = size(args, 0, at);
  const s = size(args, 1, at);
  return { type: ptrTo(T.void), at, ev: (f) => allocate("calloc'd memory", n(f) * s(f), 16, true) };
};

const alignedAlloc: Builtin = (args, at) => {
  const a = size(args, 0, at);
  const n = size(args, 1, at);
  return { type: ptrTo(T.void), at, ev: (f) => allocate("aligned_alloc'd memory", n(f), Math.max(16, a(f)), false) };
};

const free: Builtin = (args, at) => {
  const p = pointer(args, 0, at);
  if (!p) return failing(T.void, at, "free of a non-pointer");
  return {
    type: T.void,
    at,
    ev: (f) => {
      const q = p(f) as Ptr;
      if (q.obj === null) return undefined;
      if (q.obj.kind !== "heap" || q.off !== 0 || q.obj.dead) return unproven(`free of ${q.obj.describe(q.off)}, which was not allocated by malloc or was already freed`, at);
      q.obj.dead = true;
      return undefined;
    },
  };
};

function memcpyLike(overlapOk: boolean): Builtin {
  return (args, at) => {
    const d = pointer(args, 0, at);
    const s = pointer(args, 1, at);
    const n = size(args, 2, at);
    if (!d || !s) return failing(ptrTo(T.void), at, "memcpy of non-pointers");
    return {
      type: ptrTo(T.void),
      at,
      ev: (f) => {
        const dst = d(f) as Ptr;
        const src = s(f) as Ptr;
        const bytes = n(f);
        if (overlapOk && dst.obj === src.obj) {
          const tmp = allocate("memmove buffer", bytes, 16, false);
          memcpyCells(tmp, src, bytes, at);
          memcpyCells(dst, tmp, bytes, at);
        } else memcpyCells(dst, src, bytes, at);
        return dst;
      },
    };
  };
}

const memset: Builtin = (args, at) => {
  const d = pointer(args, 0, at);
  const c = arg(args, 1, T.int, at);
  const n = size(args, 2, at);
  if (!d) return failing(ptrTo(T.void), at, "memset of a non-pointer");
  return {
    type: ptrTo(T.void),
    at,
    ev: (f) => {
      const p = d(f) as Ptr;
      memsetBytes(p, Number(c(f)) & 0xff, n(f), at);
      return p;
    },
  };
};

const expect: Builtin = (args, at) => {
  const a = arg(args, 0, T.long, at);
  const b = args[1]!.ev;
  return { type: T.long, at, ev: (f) => (b(f), a(f)) };
};

const assumeAligned: Builtin = (args, at) => {
  const p = pointer(args, 0, at);
  const a = args[1]?.konst;
  if (!p || a === undefined || args.length !== 2) return failing(ptrTo(T.void), at, "__builtin_assume_aligned with an offset or a non-constant alignment");
  const align = Number(a);
  return {
    type: ptrTo(T.void),
    at,
    ev: (f) => {
      const q = p(f) as Ptr;
      if (q.obj === null) return q;
      // The promise is undefined behaviour when false, so it must be checked, not assumed.
      if (align > q.obj.align || q.off % align !== 0) return unproven(`__builtin_assume_aligned(${align}) on ${q.obj.describe(q.off)}, whose alignment is not established`, at);
      return q;
    },
  };
};

const prefetch: Builtin = (args, at) => {
  // A prefetch has no effect on values and does not fault, even for an address outside any object.
  const evs = args.map((a) => a.ev);
  return { type: T.void, at, ev: (f) => (evs.forEach((e) => e(f)), undefined) };
};

function makeVector(name: string): Builtin {
  const type = CUDA_VECTOR_TYPES[name.slice(5)] as StructType;
  return (args, at) => {
    const fields = type.fields!;
    if (args.length !== fields.length) return failing(type, at, `${name} with ${args.length} arguments`);
    const evs = fields.map((fd, k) => arg(args, k, fd.type, at));
    const codes = fields.map((fd) => typeCode(fd.type as ScalarType));
    return {
      type,
      at,
      ev: (f) => {
        const obj = new MemObject(name, type.size, type.align, "temp", false, 1);
        const base = new Ptr(obj, 0, null);
        fields.forEach((fd, k) => storeScalar(base.plus(fd.offset), codes[k]!, evs[k]!(f), at));
        return obj;
      },
    };
  };
}

const ldg: Builtin = (args, at) => {
  const t = decay(args[0]!.type);
  if (t.k !== "ptr") return failing(T.int, at, "__ldg of a non-pointer");
  const load = loadAt(unqualified(t.to), at);
  const p = args[0]!.ev;
  return { type: unqualified(t.to), at, ev: (f) => load(p(f) as Ptr) };
};

const ABORT = "the kernel aborts (abort, exit, a failed assertion or a trap)";
const TRANSCENDENTAL = "is not a polynomial operation (square roots, exponentials and the like cannot be proved equal exactly)";

const BUILTINS: Record<string, Builtin> = {
  fmaf: arity(3, fma(T.float), "fmaf"),
  __builtin_fmaf: arity(3, fma(T.float), "fmaf"),
  __fmaf_rn: arity(3, fma(T.float), "__fmaf_rn"),
  fma: arity(3, fma(T.double), "fma"),
  __builtin_fma: arity(3, fma(T.double), "fma"),
  __fma_rn: arity(3, fma(T.double), "__fma_rn"),
  fmal: arity(3, fma(T.ldouble), "fmal"),
  __fadd_rn: arity(2, floatBinary(T.float, "+"), "__fadd_rn"),
  __fsub_rn: arity(2, floatBinary(T.float, "-"), "__fsub_rn"),
  __fmul_rn: arity(2, floatBinary(T.float, "*"), "__fmul_rn"),
  __fdiv_rn: arity(2, floatBinary(T.float, "/"), "__fdiv_rn"),
  __fdividef: arity(2, floatBinary(T.float, "/"), "__fdividef"),
  __dadd_rn: arity(2, floatBinary(T.double, "+"), "__dadd_rn"),
  __dmul_rn: arity(2, floatBinary(T.double, "*"), "__dmul_rn"),
  fabsf: arity(1, fabs(T.float), "fabsf"),
  __builtin_fabsf: arity(1, fabs(T.float), "fabsf"),
  fabs: arity(1, fabs(T.double), "fabs"),
  __builtin_fabs: arity(1, fabs(T.double), "fabs"),
  fminf: arity(2, fminmax(T.float, false), "fminf"),
  fmaxf: arity(2, fminmax(T.float, true), "fmaxf"),
  fmin: arity(2, fminmax(T.double, false), "fmin"),
  fmax: arity(2, fminmax(T.double, true), "fmax"),
  abs: arity(1, intAbs(T.int), "abs"),
  labs: arity(1, intAbs(T.long), "labs"),
  llabs: arity(1, intAbs(T.llong), "llabs"),
  malloc: arity(1, malloc, "malloc"),
  calloc: arity(2, calloc, "calloc"),
  aligned_alloc: arity(2, alignedAlloc, "aligned_alloc"),
  free: arity(1, free, "free"),
  memcpy: arity(3, memcpyLike(false), "memcpy"),
  __builtin_memcpy: arity(3, memcpyLike(false), "memcpy"),
  memmove: arity(3, memcpyLike(true), "memmove"),
  __builtin_memmove: arity(3, memcpyLike(true), "memmove"),
  memset: arity(3, memset, "memset"),
  __builtin_memset: arity(3, memset, "memset"),
  __builtin_expect: arity(2, expect, "__builtin_expect"),
  __builtin_assume_aligned: assumeAligned,
  __builtin_prefetch: prefetch,
  abort: refuse(ABORT),
  exit: refuse(ABORT),
  _Exit: refuse(ABORT),
  __builtin_trap: refuse(ABORT),
  __builtin_abort: refuse(ABORT),
  __assert_fail: refuse(ABORT),
  __assert_rtn: refuse(ABORT),
  __builtin_unreachable: refuse("reached __builtin_unreachable, which is undefined behaviour"),
};

for (const name of ["sqrtf", "sqrt", "expf", "exp", "logf", "log", "powf", "pow", "tanhf", "tanh", "sinf", "cosf", "sin", "cos", "rsqrtf", "__expf", "__logf", "exp2f", "log2f", "erff", "__builtin_sqrtf", "__builtin_sqrt", "cbrtf", "hypotf"]) {
  BUILTINS[name] = refuse(`${name} ${TRANSCENDENTAL}`);
}

const CUDA_BUILTINS: Record<string, Builtin> = {
  min: arity(2, cudaMinMax(false), "min"),
  max: arity(2, cudaMinMax(true), "max"),
  umin: arity(2, cudaMinMax(false), "umin"),
  umax: arity(2, cudaMinMax(true), "umax"),
  __ldg: arity(1, ldg, "__ldg"),
  __syncthreads: refuse("__syncthreads() inside an expression (only as a statement of its own)"),
};
for (const name of Object.keys(CUDA_VECTOR_TYPES)) CUDA_BUILTINS[`make_${name}`] = makeVector(`make_${name}`);

/** Parameters the program's overloads take, for choosing among them. */
function exactMatch(params: FuncType["params"], args: CE[]): boolean {
  if (params === null || params.length !== args.length) return false;
  return params.every((p, k) => {
    const a = decay(args[k]!.type);
    const t = unqualified(p.type);
    if (a.k === "ptr" && t.k === "ptr") return sameType(unqualified(a.to), unqualified(t.to));
    return sameType(unqualified(a), t);
  });
}

export function compileCall(ctx: Ctx, e: Extract<Expr, { t: "call" }>): CE {
  const at: At = { line: e.line, file: e.file };
  const args = e.args.map((a) => compileExpr(ctx, a));
  if (e.callee.t !== "id") return failing(T.int, at, "calls through function pointers are not supported");
  const name = e.callee.name;
  if (ctx.scope.lookup(name) !== undefined || ctx.prog.globals.has(name)) return failing(T.int, at, `calls through function pointers are not supported (${name})`);
  const defs = ctx.prog.functions.get(name);
  if (defs) {
    let chosen = defs.length === 1 ? defs[0]! : undefined;
    if (defs.length > 1) {
      if (!ctx.prog.cuda) return failing(T.int, at, `${name} is defined more than once`);
      const exact = defs.filter((d) => exactMatch(d.def.type.params, args));
      const sameArity = defs.filter((d) => d.def.type.params?.length === args.length);
      chosen = exact.length === 1 ? exact[0] : exact.length === 0 && sameArity.length === 1 ? sameArity[0] : undefined;
      if (!chosen) return failing(T.int, at, `the call to the overloaded ${name} could not be resolved to one definition`);
    }
    const entry = chosen!;
    const type = entry.def.type;
    const params = type.params ?? [];
    if (type.variadic) return failing(type.ret, at, `a call to the variadic function ${name}`);
    if (params.length !== args.length) return failing(type.ret, at, `${name} takes ${params.length} arguments, called with ${args.length}`);
    const evs: Ev[] = [];
    for (let k = 0; k < params.length; k++) {
      const pt = unqualified(params[k]!.type);
      const a = args[k]!;
      if (!implicitlyConvertible(a.type, pt, a.konst === 0 || a.konst === 0n)) return failing(type.ret, at, `argument ${k + 1} of ${name}: ${typeToString(a.type)} for ${typeToString(pt)}`);
      evs.push(arg(args, k, pt, at));
    }
    const n = evs.length;
    return {
      type: type.ret,
      at,
      ev: (f) => {
        const values = new Array(n);
        for (let k = 0; k < n; k++) values[k] = evs[k]!(f);
        return invoke(ctx.prog, entry, values, at);
      },
    };
  }
  const builtin = (ctx.prog.cuda ? CUDA_BUILTINS[name] : undefined) ?? BUILTINS[name];
  if (builtin) {
    try {
      return builtin(args, at, ctx);
    } catch (err) {
      if (err instanceof Finding) return failing(T.int, at, err.reason);
      throw err;
    }
  }
  return failing(ctx.prog.declared.get(name)?.ret ?? T.int, at, `a call to ${name}, which is not defined in the program and not a supported builtin`);
}
