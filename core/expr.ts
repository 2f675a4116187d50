// A small, safe expression language (Python semantics, the dialect of Kernel Tuner and T1 restrictions):
//   or, and, not (also ||, &&, !), chained comparisons (32 <= x <= 1024), + - * / // % **,
//   numbers, 'strings', True/False, and the functions min max abs ceil floor int round log2 sqrt div_ceil.
// Expressions come from spec files and cache files, so nothing is ever passed to eval().

import { describeValue, fail } from "./errors.ts";

/**
 * Expressions come from files a user edits or generates, so their size is bounded before anything walks
 * them: the parser and the evaluator recurse, and a thousand parentheses or a chain of fifty thousand
 * "and" would otherwise overflow the stack. Real restrictions are a few hundred characters and a few levels deep.
 */
export const EXPR_LIMITS = { maxChars: 4096, maxDepth: 100 } as const;

export type ExprValue = number | boolean | string;
export type ExprEnv = Readonly<Record<string, ExprValue>>;

type Node =
  | { t: "num"; v: number }
  | { t: "str"; v: string }
  | { t: "bool"; v: boolean }
  | { t: "var"; name: string }
  | { t: "unary"; op: "-" | "+" | "not"; arg: Node }
  | { t: "bin"; op: string; left: Node; right: Node }
  | { t: "cmp"; ops: string[]; args: Node[] }
  | { t: "call"; fn: string; args: Node[] };

export interface CompiledExpr {
  readonly source: string;
  /** Variables the expression reads. */
  readonly variables: readonly string[];
  evaluate(env: ExprEnv): ExprValue;
  evaluateNumber(env: ExprEnv): number;
  evaluateBool(env: ExprEnv): boolean;
}

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(a: number): number {
  const floor = Math.floor(a);
  const diff = a - floor;
  if (diff !== 0.5) return Math.round(a);
  return floor % 2 === 0 ? floor : floor + 1;
}

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  min: (...a) => Math.min(...a),
  max: (...a) => Math.max(...a),
  abs: (a) => Math.abs(a),
  ceil: (a) => Math.ceil(a),
  floor: (a) => Math.floor(a),
  int: (a) => Math.trunc(a),
  round: roundHalfEven,
  log2: (a) => Math.log2(a),
  sqrt: (a) => Math.sqrt(a),
  div_ceil: (a, b) => Math.ceil(a / b),
};

/** [fewest, most] arguments of each function. */
const ARITY: Record<string, [number, number]> = {
  min: [1, Infinity],
  max: [1, Infinity],
  abs: [1, 1],
  ceil: [1, 1],
  floor: [1, 1],
  int: [1, 1],
  round: [1, 1],
  log2: [1, 1],
  sqrt: [1, 1],
  div_ceil: [2, 2],
};

type Token = { kind: "num" | "str" | "id" | "op"; text: string; pos: number };

const OPERATORS = ["**", "//", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "(", ")", ",", "!"];

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(src.slice(i));
    if (num) {
      tokens.push({ kind: "num", text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      tokens.push({ kind: "id", text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail("EXPR_INVALID", `${where}: unterminated string: expected a closing ${c} for the string opened at position ${i}, received the end of expression ${describeValue(src)}`);
      tokens.push({ kind: "str", text: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === "=" ? " (== compares)" : "";
      fail("EXPR_INVALID", `${where}: expected a number, a name, a 'string' or one of ${OPERATORS.join(" ")}${hint}, received ${describeValue(c)} at position ${i} in expression ${describeValue(src)}`);
    }
    tokens.push({ kind: "op", text: op, pos: i });
    i += op.length;
  }
  return tokens;
}

class Parser {
  private i = 0;
  /** Open nestings (parentheses, calls, unary and not chains, exponents): each costs a few stack frames. */
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
    private readonly where: string,
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) this.error("an expression", "an empty string");
    const node = this.or();
    if (this.i < this.tokens.length) this.error("an operator or the end of the expression", describeValue(this.tokens[this.i]!.text));
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private accept(...texts: string[]): string | undefined {
    const t = this.peek();
    if (t && (t.kind === "op" || t.kind === "id") && texts.includes(t.text)) {
      this.i++;
      return t.text;
    }
    return undefined;
  }

  private error(expected: string, received: string): never {
    fail("EXPR_INVALID", `${this.where}: expected ${expected}, received ${received} in expression ${describeValue(this.src)}`);
  }

  /** Parses one nested part, refusing nesting deeper than the stack can take. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > EXPR_LIMITS.maxDepth) this.tooDeep();
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private tooDeep(): never {
    const at = this.peek()?.pos ?? this.src.length;
    return this.error(`an expression nested at most ${EXPR_LIMITS.maxDepth} levels deep`, `deeper nesting at position ${at}`);
  }

  /** A chain (a and b and c ...) builds a node per link, and evaluating it recurses once per link. */
  private link(node: Node): Node {
    if (depthOf(node) > EXPR_LIMITS.maxDepth) this.tooDeep();
    return node;
  }

  private or(): Node {
    let left = this.and();
    while (this.accept("or", "||")) left = this.link({ t: "bin", op: "or", left, right: this.and() });
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.accept("and", "&&")) left = this.link({ t: "bin", op: "and", left, right: this.not() });
    return left;
  }

  private not(): Node {
    if (this.accept("not", "!")) return this.nested(() => ({ t: "unary", op: "not", arg: this.not() }));
    return this.comparison();
  }

  private comparison(): Node {
    const first = this.additive();
    const ops: string[] = [];
    const args: Node[] = [first];
    for (;;) {
      const op = this.accept("<", "<=", ">", ">=", "==", "!=");
      if (!op) break;
      ops.push(op);
      args.push(this.additive());
    }
    return ops.length === 0 ? first : this.link({ t: "cmp", ops, args });
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const op = this.accept("+", "-");
      if (!op) return left;
      left = this.link({ t: "bin", op, left, right: this.multiplicative() });
    }
  }

  private multiplicative(): Node {
    let left = this.unary();
    for (;;) {
      const op = this.accept("*", "/", "//", "%");
      if (!op) return left;
      left = this.link({ t: "bin", op, left, right: this.unary() });
    }
  }

  private unary(): Node {
    const op = this.accept("-", "+");
    if (op) return this.nested(() => ({ t: "unary", op: op as "-" | "+", arg: this.unary() }));
    return this.power();
  }

  private power(): Node {
    const base = this.atom();
    if (this.accept("**")) return this.nested(() => this.link({ t: "bin", op: "**", left: base, right: this.unary() }));
    return base;
  }

  private atom(): Node {
    const t = this.peek();
    if (!t) this.error("a value", "the end of the expression");
    this.i++;
    if (t.kind === "num") return { t: "num", v: Number(t.text) };
    if (t.kind === "str") return { t: "str", v: t.text };
    if (t.kind === "op" && t.text === "(") {
      const inner = this.nested(() => this.or());
      if (!this.accept(")")) this.error('")"', this.peek() ? describeValue(this.peek()!.text) : "the end of the expression");
      return inner;
    }
    if (t.kind === "id") {
      if (t.text === "True" || t.text === "true") return { t: "bool", v: true };
      if (t.text === "False" || t.text === "false") return { t: "bool", v: false };
      if (this.accept("(")) {
        if (!Object.hasOwn(FUNCTIONS, t.text)) this.error(`one of the functions ${Object.keys(FUNCTIONS).join(", ")}`, describeValue(t.text));
        const args: Node[] = [];
        if (!this.accept(")")) {
          this.nested(() => {
            do args.push(this.or());
            while (this.accept(","));
          });
          if (!this.accept(")")) this.error('")"', this.peek() ? describeValue(this.peek()!.text) : "the end of the expression");
        }
        const [least, most] = ARITY[t.text]!;
        if (args.length < least || args.length > most) {
          const wanted = least === most ? `${least} argument${least === 1 ? "" : "s"}` : `at least ${least} argument`;
          this.error(`${wanted} for ${t.text}()`, `${args.length}`);
        }
        return this.link({ t: "call", fn: t.text, args });
      }
      return { t: "var", name: t.text };
    }
    this.error("a value", describeValue(t.text));
  }
}

/** Depth of a node, read from its children's recorded depths (so a long chain costs no recursion). */
function depthOf(node: Node): number {
  const children = node.t === "unary" ? [node.arg] : node.t === "bin" ? [node.left, node.right] : node.t === "cmp" || node.t === "call" ? node.args : [];
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, DEPTHS.get(child) ?? 1);
  const depth = deepest + 1;
  DEPTHS.set(node, depth);
  return depth;
}

const DEPTHS = new WeakMap<Node, number>();

function collectVariables(node: Node, out: Set<string>): void {
  switch (node.t) {
    case "var":
      out.add(node.name);
      return;
    case "unary":
      collectVariables(node.arg, out);
      return;
    case "bin":
      collectVariables(node.left, out);
      collectVariables(node.right, out);
      return;
    case "cmp":
    case "call":
      for (const a of node.args) collectVariables(a, out);
      return;
    default:
      return;
  }
}

function truthy(v: ExprValue): boolean {
  return typeof v === "string" ? v.length > 0 : Boolean(v);
}

function num(v: ExprValue, src: string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  return fail("EXPR_EVAL", `expression ${describeValue(src)}: expected a number, received the string ${describeValue(v)}`);
}

function compare(op: string, a: ExprValue, b: ExprValue, src: string): boolean {
  if (op === "==") return typeof a === "string" || typeof b === "string" ? a === b : num(a, src) === num(b, src);
  if (op === "!=") return typeof a === "string" || typeof b === "string" ? a !== b : num(a, src) !== num(b, src);
  const x = num(a, src);
  const y = num(b, src);
  if (op === "<") return x < y;
  if (op === "<=") return x <= y;
  if (op === ">") return x > y;
  return x >= y;
}

function evaluateNode(node: Node, env: ExprEnv, src: string): ExprValue {
  switch (node.t) {
    case "num":
    case "str":
    case "bool":
      return node.v;
    case "var": {
      // Own values only: a name such as "constructor" must not find Object's prototype.
      const v = Object.hasOwn(env, node.name) ? env[node.name] : undefined;
      if (v === undefined) fail("EXPR_EVAL", `expression ${describeValue(src)}: expected a value for variable "${node.name}", received none`);
      return v;
    }
    case "unary": {
      const v = evaluateNode(node.arg, env, src);
      if (node.op === "not") return !truthy(v);
      return node.op === "-" ? -num(v, src) : num(v, src);
    }
    case "cmp": {
      let left = evaluateNode(node.args[0]!, env, src);
      for (let k = 0; k < node.ops.length; k++) {
        const right = evaluateNode(node.args[k + 1]!, env, src);
        if (!compare(node.ops[k]!, left, right, src)) return false;
        left = right;
      }
      return true;
    }
    case "call":
      return FUNCTIONS[node.fn]!(...node.args.map((a) => num(evaluateNode(a, env, src), src)));
    case "bin": {
      if (node.op === "or") {
        const l = evaluateNode(node.left, env, src);
        return truthy(l) ? l : evaluateNode(node.right, env, src);
      }
      if (node.op === "and") {
        const l = evaluateNode(node.left, env, src);
        return truthy(l) ? evaluateNode(node.right, env, src) : l;
      }
      const a = num(evaluateNode(node.left, env, src), src);
      const b = num(evaluateNode(node.right, env, src), src);
      switch (node.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
        case "//":
          return Math.floor(a / b);
        case "%":
          // Python's modulo takes the sign of the divisor.
          return b === 0 ? Number.NaN : a - b * Math.floor(a / b);
        case "**":
          return a ** b;
        default:
          return fail("INTERNAL", `unknown operator ${node.op}`);
      }
    }
  }
}

/**
 * Parses an expression once. `known` lists the variables it may read; any other name is a configuration
 * error reported with `where` (for example "spec.restrictions[2]").
 */
export function compileExpr(source: string, known: readonly string[] | null, where: string): CompiledExpr {
  if (typeof source !== "string") fail("EXPR_INVALID", `${where}: expected an expression string, received ${typeof source}`);
  if (source.length > EXPR_LIMITS.maxChars) {
    fail("EXPR_INVALID", `${where}: expected an expression of at most ${EXPR_LIMITS.maxChars} characters, received ${source.length} characters (${describeValue(source)})`);
  }
  const ast = new Parser(tokenize(source, where), source, where).parse();
  const vars = new Set<string>();
  collectVariables(ast, vars);
  if (known) {
    const unknown = [...vars].filter((v) => !known.includes(v));
    if (unknown.length > 0) {
      fail(
        "EXPR_INVALID",
        `${where}: expected variables from {${known.join(", ")}}, received unknown ${unknown.map((u) => describeValue(u)).join(", ")} in expression ${describeValue(source)}`,
      );
    }
  }
  return {
    source,
    variables: [...vars],
    evaluate: (env) => evaluateNode(ast, env, source),
    evaluateNumber: (env) => num(evaluateNode(ast, env, source), source),
    evaluateBool: (env) => truthy(evaluateNode(ast, env, source)),
  };
}
