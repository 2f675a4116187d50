// The syntax tree the parser produces and the interpreter compiles. Every node keeps its source line.

import type { Q } from "../exact/rational.ts";
import type { CType, FloatType, FuncType, IntType } from "./types.ts";

interface At {
  readonly line: number;
  readonly file: string;
}

export type Expr =
  | (At & { readonly t: "int"; readonly value: bigint; readonly type: IntType })
  | (At & { readonly t: "float"; readonly value: Q; readonly type: FloatType; readonly overflow: boolean })
  | (At & { readonly t: "str"; readonly value: string })
  | (At & { readonly t: "id"; readonly name: string })
  | (At & { readonly t: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr })
  | (At & { readonly t: "assign"; readonly op: string; readonly target: Expr; readonly value: Expr })
  | (At & { readonly t: "unary"; readonly op: "-" | "+" | "!" | "~" | "*" | "&"; readonly operand: Expr })
  | (At & { readonly t: "incdec"; readonly op: "++" | "--"; readonly prefix: boolean; readonly operand: Expr })
  | (At & { readonly t: "cond"; readonly test: Expr; readonly then: Expr; readonly else: Expr })
  | (At & { readonly t: "comma"; readonly left: Expr; readonly right: Expr })
  | (At & { readonly t: "cast"; readonly type: CType; readonly operand: Expr; readonly style: "c" | "static" | "reinterpret" | "const" | "functional" })
  | (At & { readonly t: "call"; readonly callee: Expr; readonly args: readonly Expr[] })
  | (At & { readonly t: "index"; readonly base: Expr; readonly index: Expr })
  | (At & { readonly t: "member"; readonly object: Expr; readonly name: string; readonly arrow: boolean })
  | (At & { readonly t: "sizeof"; readonly type?: CType; readonly operand?: Expr })
  | (At & { readonly t: "alignof"; readonly type: CType })
  | (At & { readonly t: "compound"; readonly type: CType; readonly init: Init })
  | (At & { readonly t: "unsupported"; readonly what: string });

export type Designator = { readonly t: "field"; readonly name: string } | { readonly t: "index"; readonly index: Expr };

export type Init =
  | (At & { readonly t: "expr"; readonly expr: Expr })
  | (At & { readonly t: "list"; readonly items: readonly { readonly designators: readonly Designator[]; readonly init: Init }[] });

export type Storage = "none" | "typedef" | "extern" | "static" | "auto" | "register";

export interface CudaQualifiers {
  readonly global?: boolean;
  readonly device?: boolean;
  readonly host?: boolean;
  readonly shared?: boolean;
  readonly constant?: boolean;
}

export interface VarDecl extends At {
  readonly t: "var";
  readonly name: string;
  readonly type: CType;
  readonly storage: Storage;
  readonly init?: Init;
  readonly cuda: CudaQualifiers;
  /** Something in the declaration the interpreter cannot model (an attribute such as cleanup). */
  readonly unsupported?: string;
}

export interface FuncDef extends At {
  readonly t: "func";
  readonly name: string;
  readonly type: FuncType;
  readonly paramNames: readonly (string | null)[];
  readonly body: Stmt;
  readonly storage: Storage;
  readonly cuda: CudaQualifiers;
  readonly unsupported?: string;
}

export type Stmt =
  | (At & { readonly t: "block"; readonly items: readonly Stmt[] })
  | (At & { readonly t: "decl"; readonly decls: readonly VarDecl[] })
  | (At & { readonly t: "expr"; readonly expr: Expr })
  | (At & { readonly t: "if"; readonly test: Expr; readonly then: Stmt; readonly else?: Stmt })
  | (At & { readonly t: "for"; readonly init?: Stmt; readonly test?: Expr; readonly step?: Expr; readonly body: Stmt })
  | (At & { readonly t: "while"; readonly test: Expr; readonly body: Stmt })
  | (At & { readonly t: "do"; readonly body: Stmt; readonly test: Expr })
  | (At & { readonly t: "return"; readonly value?: Expr })
  | (At & { readonly t: "break" })
  | (At & { readonly t: "continue" })
  | (At & { readonly t: "switch"; readonly test: Expr; readonly body: Stmt })
  | (At & { readonly t: "case"; readonly value: Expr; readonly body: Stmt })
  | (At & { readonly t: "default"; readonly body: Stmt })
  | (At & { readonly t: "pragma"; readonly text: string; readonly body?: Stmt })
  | (At & { readonly t: "empty" })
  | (At & { readonly t: "unsupported"; readonly what: string });

export type TopLevel = VarDecl | FuncDef | (At & { readonly t: "pragma"; readonly text: string });

export interface TranslationUnit {
  readonly items: readonly TopLevel[];
  readonly cplusplus: boolean;
}

export type { IntType };
