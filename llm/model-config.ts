// Turns the model options and the environment into one validated configuration per agent role.
// Bad configuration is a NightshiftError(MODEL_CONFIG) at start-up, never a surprise at 3 a.m.
// API keys stay behind a function so no serialisation or log line can carry them.

import { describeValue, fail } from "../core/errors.ts";
import { redactSecrets } from "../core/redact.ts";
import type { Role } from "./accounting.ts";
import type { ModelOptions } from "./options.ts";
import { listPrice, parsePrice, type Price } from "./prices.ts";

export const PROVIDERS = ["openai", "anthropic", "ollama"] as const;
export type Provider = (typeof PROVIDERS)[number];
export const ROLES: readonly Role[] = ["planner", "coder", "critic"];

export interface ModelSpec {
  /** "provider:model" as given. */
  ref: string;
  provider: Provider;
  model: string;
  baseUrl: string | null;
  /** Null when unknown (no table entry and no --model-price): the cost estimate counts it as 0. */
  price: Price | null;
  /** tools: a forced tool call; json_schema: JSON content constrained by the schema (OpenAI response_format, Ollama format). */
  output: "tools" | "json_schema";
  timeoutMs: number;
  apiKey: () => string | undefined;
}

export interface LlmConfig {
  roles: Record<Role, ModelSpec | null>;
  budget: { usd: number | null; tokens: number | null };
  /** Retries of a malformed reply. */
  retries: number;
  coderMaxFailures: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const KEY_ENV: Partial<Record<Provider, string>> = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" };
const BASE_URL_ENV: Record<Provider, string> = { openai: "OPENAI_BASE_URL", anthropic: "ANTHROPIC_BASE_URL", ollama: "OLLAMA_BASE_URL" };
const OFFLINE = new Set(["none", "offline"]);
const MAX_MODEL_TIMEOUT_S = 86_400;
const MAX_MODEL_RETRIES = 20;

/** "openai:gpt-4o" -> {provider, model}; Ollama tags keep their own colons ("ollama:qwen2.5-coder:32b"). */
export function parseModelRef(ref: string, where: string): { provider: Provider; model: string } {
  const colon = ref.indexOf(":");
  const provider = colon > 0 ? ref.slice(0, colon) : "";
  const model = colon > 0 ? ref.slice(colon + 1).trim() : "";
  if (!(PROVIDERS as readonly string[]).includes(provider) || model === "") {
    fail("MODEL_CONFIG", `${where}: expected provider:model with provider one of ${PROVIDERS.join(", ")} (e.g. openai:gpt-4o), received ${describeValue(ref)}`);
  }
  return { provider: provider as Provider, model };
}

export function resolveModelConfig(options: ModelOptions, env: Env = process.env): LlmConfig {
  const refs: Record<Role, string | undefined> = {
    planner: options.plannerModel ?? options.model,
    coder: options.coderModel ?? options.model,
    critic: options.criticModel ?? options.model,
  };
  const parsed = {} as Record<Role, { provider: Provider; model: string; ref: string } | null>;
  for (const role of ROLES) {
    const ref = refs[role]?.trim();
    const where = options[`${role}Model` as const] !== undefined ? `--${role}-model` : "--model";
    parsed[role] = ref === undefined || ref === "" || OFFLINE.has(ref) ? null : { ...parseModelRef(ref, where), ref };
  }

  const providers = new Set(ROLES.map((r) => parsed[r]?.provider).filter((p) => p !== undefined));
  if (options.modelBaseUrl !== undefined && providers.size > 1) {
    fail("MODEL_CONFIG", `--model-base-url: the roles use several providers (${[...providers].join(", ")}); set ${[...providers].map((p) => BASE_URL_ENV[p]).join(" / ")} per provider instead`);
  }
  const prices = parsePriceOverrides(options.modelPrice ?? []);
  const budget = {
    usd: optionalNumber(options.modelBudgetUsd, "--model-budget-usd", false),
    tokens: optionalNumber(options.modelBudgetTokens, "--model-budget-tokens", true),
  };
  const output = options.modelOutput ?? "tools";
  if (output !== "tools" && output !== "json_schema") fail("MODEL_CONFIG", `--model-output: expected tools or json_schema, received ${describeValue(output)}`);
  const timeoutS = optionalNumber(options.modelTimeoutS, "--model-timeout-s", false) ?? 120;
  // It becomes a timer: zero would time every call out, and a day is longer than any call should take.
  if (timeoutS <= 0 || timeoutS > MAX_MODEL_TIMEOUT_S) fail("MODEL_CONFIG", `--model-timeout-s: expected a number of seconds above 0 and at most ${MAX_MODEL_TIMEOUT_S}, received ${describeValue(options.modelTimeoutS)}`);
  const timeoutMs = timeoutS * 1000;

  const roles = {} as Record<Role, ModelSpec | null>;
  for (const role of ROLES) {
    const p = parsed[role];
    if (p === null) {
      roles[role] = null;
      continue;
    }
    const baseUrl = checkUrl(options.modelBaseUrl ?? env[BASE_URL_ENV[p.provider]] ?? null, options.modelBaseUrl !== undefined ? "--model-base-url" : BASE_URL_ENV[p.provider]);
    const keyName = KEY_ENV[p.provider];
    const key = keyName === undefined ? undefined : env[keyName];
    if (keyName !== undefined && (key === undefined || key === "") && baseUrl === null) {
      fail("MODEL_CONFIG", `${p.ref} (${role}): expected the API key in ${keyName}, received nothing (or set a base URL for a self-hosted server)`);
    }
    const price = prices.get(p.ref) ?? prices.get("*") ?? listPrice(p.provider, p.model);
    if (price === null && budget.usd !== null) {
      fail("MODEL_CONFIG", `--model-budget-usd: no price known for ${p.ref}; give one with --model-price ${p.ref}=IN/OUT (USD per million tokens)`);
    }
    // Self-hosted OpenAI-compatible servers usually accept any key; the client still needs one to send.
    const sentKey = key !== undefined && key !== "" ? key : keyName !== undefined ? "not-needed" : undefined;
    roles[role] = {
      ref: p.ref,
      provider: p.provider,
      model: p.model,
      baseUrl,
      price,
      output: p.provider === "openai" ? output : p.provider === "ollama" ? "json_schema" : "tools",
      timeoutMs,
      apiKey: () => sentKey,
    };
  }
  return {
    roles,
    budget,
    retries: boundedRetries(optionalNumber(options.modelRetries, "--model-retries", true) ?? 2, options.modelRetries),
    coderMaxFailures: Math.max(1, optionalNumber(options.coderMaxFailures, "--coder-max-failures", true) ?? 3),
  };
}

/** One line for the log and the report; never contains a key. */
export function describeModelConfig(config: LlmConfig): string {
  const parts = ROLES.map((role) => {
    const spec = config.roles[role];
    return `${role}=${spec === null ? "offline" : `${spec.ref}${spec.baseUrl ? ` @ ${redactSecrets(spec.baseUrl)}` : ""}`}`;
  });
  const limits = [config.budget.usd !== null ? `$${config.budget.usd}` : null, config.budget.tokens !== null ? `${config.budget.tokens} tokens` : null].filter(Boolean);
  return `models: ${parts.join(", ")}; budget: ${limits.length ? limits.join(" / ") : "unlimited"}`;
}

function parsePriceOverrides(values: readonly string[]): Map<string, Price> {
  const out = new Map<string, Price>();
  for (const value of values) {
    const eq = value.lastIndexOf("=");
    if (eq < 0) {
      out.set("*", parsePrice(value, "--model-price"));
      continue;
    }
    const ref = value.slice(0, eq).trim();
    parseModelRef(ref, "--model-price");
    out.set(ref, parsePrice(value.slice(eq + 1), `--model-price ${ref}`));
  }
  return out;
}

function optionalNumber(value: string | number | undefined, where: string, integer: boolean): number | null {
  if (value === undefined) return null;
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (String(value).trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    fail("MODEL_CONFIG", `${where}: expected a non-negative ${integer ? "integer" : "number"}, received ${describeValue(value)}`);
  }
  return n;
}

/** Each retry is another model call: a few fix a malformed reply, thousands would only run up the bill. */
function boundedRetries(retries: number, given: unknown): number {
  if (retries > MAX_MODEL_RETRIES) fail("MODEL_CONFIG", `--model-retries: expected an integer from 0 to ${MAX_MODEL_RETRIES}, received ${describeValue(given)}`);
  return retries;
}

function checkUrl(value: string | null, where: string): string | null {
  if (value === null || value.trim() === "") return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("MODEL_CONFIG", `${where}: expected an http(s) URL, received ${describeValue(redactSecrets(value))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail("MODEL_CONFIG", `${where}: expected an http(s) URL, received ${describeValue(redactSecrets(value))}`);
  return value.replace(/\/+$/, "");
}
