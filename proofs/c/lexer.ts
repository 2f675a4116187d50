// Tokens of preprocessed C or CUDA C++ text. Line markers (`# 12 "file.c"`) keep the original file and line
// so findings point at the variant's source; `#pragma` lines become tokens because OpenMP and unroll
// pragmas apply to the statement that follows them.

export type TokenKind = "id" | "num" | "char" | "str" | "punct" | "pragma" | "directive" | "eof";

export interface Token {
  readonly k: TokenKind;
  /** Identifier or punctuator text, number spelling, pragma text, or decoded string contents. */
  readonly v: string;
  /** For char literals: the value. */
  readonly n?: number;
  readonly line: number;
  readonly file: string;
}

const PUNCTUATORS = [
  "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=", "&=",
  "^=", "|=", "::", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*", "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?",
  ":", ";", "=", ",", "#",
];

export class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly file: string,
  ) {
    super(message);
  }
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, "0": 0, a: 7, b: 8, f: 12, v: 11, "\\": 92, "'": 39, '"': 34, "?": 63, e: 27 };

/** Decodes one (possibly escaped) character at `i`; returns the code and the next index. */
function decodeChar(text: string, i: number, line: number, file: string): [number, number] {
  const c = text[i]!;
  if (c !== "\\") return [text.charCodeAt(i), i + 1];
  const e = text[i + 1];
  if (e === undefined) throw new LexError("unterminated escape", line, file);
  if (e === "x") {
    const m = /^[0-9a-fA-F]+/.exec(text.slice(i + 2));
    if (!m) throw new LexError("bad \\x escape", line, file);
    return [parseInt(m[0], 16) & 0xff, i + 2 + m[0].length];
  }
  if (/[0-7]/.test(e)) {
    const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))!;
    return [parseInt(m[0], 8) & 0xff, i + 1 + m[0].length];
  }
  const simple = SIMPLE_ESCAPES[e];
  if (simple === undefined) throw new LexError(`unsupported escape \\${e}`, line, file);
  return [simple, i + 2];
}

export interface LexOptions {
  /** Keep only tokens from the file the first line marker names (the file that was preprocessed). */
  readonly mainFileOnly?: boolean;
}

export function lex(text: string, options: LexOptions = {}): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let file = "<input>";
  let mainFile: string | undefined;
  let atLineStart = true;
  const keep = (): boolean => !options.mainFileOnly || mainFile === undefined || file === mainFile;
  const push = (t: Token): void => {
    if (keep()) tokens.push(t);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      line++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new LexError("unterminated comment", line, file);
      for (let k = i; k < end; k++) if (text[k] === "\n") line++;
      i = end + 2;
      continue;
    }
    if (c === "#" && atLineStart) {
      let end = i;
      while (end < text.length && text[end] !== "\n") {
        if (text[end] === "\\" && text[end + 1] === "\n") end++;
        end++;
      }
      const directive = text.slice(i + 1, end).replace(/\\\n/g, " ").trim();
      const marker = /^(?:line\s+)?(\d+)(?:\s+"((?:[^"\\]|\\.)*)")?/.exec(directive);
      if (marker) {
        if (marker[2] !== undefined) {
          file = marker[2].replace(/\\\\/g, "\\");
          if (mainFile === undefined) mainFile = file;
        }
        line = Number(marker[1]);
        i = end + 1;
        atLineStart = true;
        continue;
      }
      const pragma = /^pragma\b\s*(.*)$/s.exec(directive);
      push(pragma ? { k: "pragma", v: pragma[1]!.trim(), line, file } : { k: "directive", v: directive, line, file });
      i = end;
      continue;
    }
    atLineStart = false;
    const rest = text.slice(i, i + 256);
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(rest);
    if (id) {
      const word = id[0];
      const next = text[i + word.length];
      if ((word === "L" || word === "u" || word === "U" || word === "u8") && (next === '"' || next === "'")) {
        i += word.length;
        continue;
      }
      push({ k: "id", v: word, line, file });
      i += word.length;
      continue;
    }
    const num = /^\.?\d(?:[eEpP][+-]|[A-Za-z0-9_.])*/.exec(rest);
    if (num) {
      push({ k: "num", v: num[0], line, file });
      i += num[0].length;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let value = 0;
      let count = 0;
      while (j < text.length && text[j] !== "'") {
        if (text[j] === "\n") throw new LexError("unterminated character constant", line, file);
        const [code, next] = decodeChar(text, j, line, file);
        value = count === 0 ? code : (value << 8) | code;
        count++;
        j = next;
      }
      if (count === 0) throw new LexError("empty character constant", line, file);
      // A plain char is signed on the targets nightshift builds for.
      push({ k: "char", v: text.slice(i, j + 1), n: count === 1 && value > 127 ? value - 256 : value, line, file });
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let out = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\n") throw new LexError("unterminated string", line, file);
        const [code, next] = decodeChar(text, j, line, file);
        out += String.fromCharCode(code);
        j = next;
      }
      push({ k: "str", v: out, line, file });
      i = j + 1;
      continue;
    }
    const p = PUNCTUATORS.find((q) => text.startsWith(q, i));
    if (!p) throw new LexError(`unexpected character ${JSON.stringify(c)}`, line, file);
    push({ k: "punct", v: p, line, file });
    i += p.length;
  }
  tokens.push({ k: "eof", v: "", line, file });
  return tokens;
}
