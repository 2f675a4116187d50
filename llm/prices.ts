// Model prices for the cost estimate, in USD per million tokens. These are list prices at the time of
// writing and only feed an estimate (and the --model-budget-usd stop); --model-price overrides them.
// Entries match by prefix so dated snapshots ("gpt-4o-2024-08-06") find their family.

import { describeValue, fail } from "../core/errors.ts";

export interface Price {
  inPerM: number;
  outPerM: number;
}

const TABLE: ReadonlyArray<[provider: string, modelPrefix: string, price: Price]> = [
  ["openai", "gpt-4o-mini", { inPerM: 0.15, outPerM: 0.6 }],
  ["openai", "gpt-4o", { inPerM: 2.5, outPerM: 10 }],
  ["openai", "gpt-4.1-nano", { inPerM: 0.1, outPerM: 0.4 }],
  ["openai", "gpt-4.1-mini", { inPerM: 0.4, outPerM: 1.6 }],
  ["openai", "gpt-4.1", { inPerM: 2, outPerM: 8 }],
  ["openai", "gpt-5-nano", { inPerM: 0.05, outPerM: 0.4 }],
  ["openai", "gpt-5-mini", { inPerM: 0.25, outPerM: 2 }],
  ["openai", "gpt-5", { inPerM: 1.25, outPerM: 10 }],
  ["openai", "o4-mini", { inPerM: 1.1, outPerM: 4.4 }],
  ["openai", "o3", { inPerM: 2, outPerM: 8 }],
  ["anthropic", "claude-3-5-haiku", { inPerM: 0.8, outPerM: 4 }],
  ["anthropic", "claude-haiku-4", { inPerM: 1, outPerM: 5 }],
  ["anthropic", "claude-3-7-sonnet", { inPerM: 3, outPerM: 15 }],
  ["anthropic", "claude-sonnet-4", { inPerM: 3, outPerM: 15 }],
  ["anthropic", "claude-opus-4-5", { inPerM: 5, outPerM: 25 }],
  ["anthropic", "claude-opus-4", { inPerM: 15, outPerM: 75 }],
];

/**
 * Null means unknown: an OpenAI-compatible server may be free (vLLM on the user's own GPUs) or a paid
 * proxy, so only Ollama is assumed free and everything else needs a table entry or --model-price.
 */
export function listPrice(provider: string, model: string): Price | null {
  if (provider === "ollama") return { inPerM: 0, outPerM: 0 };
  // Longest prefix first, so "gpt-4o-mini" is not priced as "gpt-4o".
  const matches = TABLE.filter(([p, prefix]) => p === provider && model.startsWith(prefix)).sort((a, b) => b[1].length - a[1].length);
  return matches[0]?.[2] ?? null;
}

export function costUsd(price: Price | null, tokensIn: number, tokensOut: number): number {
  if (price === null) return 0;
  return (tokensIn * price.inPerM + tokensOut * price.outPerM) / 1_000_000;
}

/** "3/15" -> {inPerM: 3, outPerM: 15}. */
export function parsePrice(text: string, where: string): Price {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) fail("MODEL_CONFIG", `${where}: expected "IN/OUT" in USD per million tokens (e.g. "3/15"), received ${describeValue(text)}`);
  return { inPerM: Number(match[1]), outPerM: Number(match[2]) };
}
