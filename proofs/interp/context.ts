// The compiler's data: compiled expressions and statements are closures over a Frame; the context says
// what each name means while a function is being compiled.

import type { FuncDef, VarDecl } from "../c/ast.ts";
import type { CType, FuncType } from "../c/types.ts";
import type { At } from "./findings.ts";
import type { MemObject, Ptr } from "./memory.ts";

/** Statement completion: normal, break, continue, return. */
export const NORMAL = 0;
export const BREAK = 1;
export const CONTINUE = 2;
export const RETURN = 3;

export class Frame {
  readonly s: unknown[];
  ret: unknown = undefined;
  /** Local objects alive in this call, killed at block exit or return. */
  readonly locals: MemObject[] = [];
  /** Restrict scopes opened in this call, closed at block exit or return. */
  readonly restricts: { obj: MemObject; tag: number }[] = [];

  constructor(slots: number) {
    this.s = new Array(slots);
  }
}

export type Ev = (f: Frame) => unknown;
export type Exec = (f: Frame) => number;
/** A statement that may wait at a CUDA barrier: yields the barrier's site, returns a completion. */
export type GenExec = (f: Frame) => Generator<At, number, void>;

export type Lvalue =
  | { readonly k: "reg"; readonly slot: number; readonly name: string; readonly serial: number }
  /**
   * In memory. `base` and `delta`, when present, give the same address as a pointer and a byte offset
   * from it, so element accesses need not allocate a pointer.
   */
  | { readonly k: "mem"; readonly addr: (f: Frame) => Ptr; readonly base?: (f: Frame) => Ptr; readonly delta?: (f: Frame) => number }
  | { readonly k: "lane"; readonly vector: CE; readonly index: Ev };

/** A compiled expression. `ev` yields the rvalue: arrays decay to a pointer, aggregates to a detached copy. */
export interface CE {
  readonly type: CType;
  readonly ev: Ev;
  readonly at: At;
  readonly lv?: Lvalue;
  /** An integer constant known at compile time (literals and casts of them). */
  readonly konst?: number | bigint;
  /** The name of a function this expression designates. */
  readonly fn?: string;
  /** A CUDA built-in variable (threadIdx, ...). */
  readonly cuda?: string;
}

export interface ParamBinding {
  readonly slot: number;
  readonly memory: boolean;
  readonly type: CType;
  readonly name: string;
  readonly restrict: boolean;
}

export interface CompiledFunction {
  readonly name: string;
  readonly type: FuncType;
  readonly nslots: number;
  readonly params: readonly ParamBinding[];
  readonly body: Exec;
  readonly gen?: GenExec;
}

export interface FunctionEntry {
  readonly def: FuncDef;
  compiled?: CompiledFunction;
  /** The function reaches __syncthreads, directly or through calls: it runs as a coroutine. */
  barrier: boolean;
  /**
   * The function may write memory that outlives the call (through pointers, globals, static locals), or
   * call something that may: then a call to it is a side effect whose order matters.
   */
  writesMemory: boolean;
}

export interface GlobalEntry {
  readonly name: string;
  readonly type: CType;
  readonly decl: VarDecl;
  readonly index: number;
  /** Runs the initialiser into a fresh object; compiled when first needed. */
  init?: (obj: MemObject) => void;
}

export interface ProgramInfo {
  readonly cuda: boolean;
  readonly functions: Map<string, FunctionEntry[]>;
  /** Functions declared (in headers, say) without a body here. */
  readonly declared: Map<string, FuncType>;
  readonly globals: Map<string, GlobalEntry>;
  readonly globalList: GlobalEntry[];
}

export type VarInfo =
  | { readonly k: "reg"; readonly slot: number; readonly type: CType; readonly name: string; readonly serial: number }
  | { readonly k: "mem"; readonly slot: number; readonly type: CType; readonly name: string; readonly serial: number }
  | { readonly k: "global"; readonly entry: GlobalEntry }
  | { readonly k: "shared"; readonly key: object; readonly type: CType; readonly name: string; readonly dynamic: boolean };

export class Scope {
  readonly vars = new Map<string, VarInfo>();
  constructor(readonly parent: Scope | null) {}

  lookup(name: string): VarInfo | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }
}

export interface FnState {
  readonly name: string;
  readonly ret: CType;
  readonly addressTaken: ReadonlySet<string>;
  nslots: number;
  serial: number;
  /** Inside a parallel loop body: variables with a lower serial are shared and must not be written. */
  parallelFloor: number | null;
  readonly kernel: boolean;
}

export interface Ctx {
  readonly prog: ProgramInfo;
  scope: Scope;
  readonly fn: FnState | null;
}
