import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { isNightshiftError } from "../core/errors.ts";
import { MemorySink } from "../llm/accounting.ts";
import { addModelOptions, describeModelConfig, parseModelRef, resolveModelConfig, resolvePolicies, type ModelOptions } from "../llm/config.ts";
import { costUsd } from "../llm/prices.ts";
import { randomStrategy } from "../strategies/random.ts";

const offline = () => ({ planner: new StrategyPlanner(randomStrategy), coder: new TemplateCoder(), critic: new RuleCritic() });

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isNightshiftError(error) && error.code === "MODEL_CONFIG") return error.message;
    throw error;
  }
  throw new Error("expected a MODEL_CONFIG error");
}

function parseArgs(argv: string[]): ModelOptions {
  const command = addModelOptions(new Command("run").exitOverride());
  command.parse(argv, { from: "user" });
  return command.opts<ModelOptions>();
}

describe("model references", () => {
  it("splits provider:model and keeps the colons of Ollama tags", () => {
    expect(parseModelRef("openai:gpt-4o", "--model")).toEqual({ provider: "openai", model: "gpt-4o" });
    expect(parseModelRef("ollama:qwen2.5-coder:32b", "--model")).toEqual({ provider: "ollama", model: "qwen2.5-coder:32b" });
  });

  it("names the option, the providers and the received value when the reference is wrong", () => {
    const message = configError(() => parseModelRef("gpt-4o", "--coder-model"));
    expect(message).toContain("--coder-model");
    expect(message).toContain("openai, anthropic, ollama");
    expect(message).toContain('"gpt-4o"');
    expect(configError(() => parseModelRef("mistral:large", "--model"))).toContain('"mistral:large"');
  });
});

describe("model configuration", () => {
  const env = { OPENAI_API_KEY: "sk-test-0123456789", ANTHROPIC_API_KEY: "sk-ant-test-0123456789" };

  it("gives every role --model unless a per-role option overrides it or turns it off", () => {
    const config = resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--coder-model", "anthropic:claude-sonnet-4-5", "--critic-model", "none"]), env);
    expect(config.roles.planner?.ref).toBe("openai:gpt-4o");
    expect(config.roles.coder?.ref).toBe("anthropic:claude-sonnet-4-5");
    expect(config.roles.critic).toBeNull();
    expect(config.retries).toBe(2);
    expect(config.coderMaxFailures).toBe(3);
    expect(describeModelConfig(config)).toBe("models: planner=openai:gpt-4o, coder=anthropic:claude-sonnet-4-5, critic=offline; budget: unlimited");
  });

  it("refuses a hosted provider without its API key, naming the variable", () => {
    const message = configError(() => resolveModelConfig(parseArgs(["--model", "anthropic:claude-sonnet-4-5"]), {}));
    expect(message).toContain("ANTHROPIC_API_KEY");
  });

  it("accepts an OpenAI-compatible self-hosted server without a key and leaves its price unknown", () => {
    const config = resolveModelConfig(parseArgs(["--model", "openai:Qwen2.5-Coder-32B", "--model-base-url", "http://gpu-box:8000/v1/"]), {});
    expect(config.roles.coder?.baseUrl).toBe("http://gpu-box:8000/v1");
    expect(config.roles.coder?.price).toBeNull();
    expect(config.roles.coder?.apiKey()).toBe("not-needed");
  });

  it("takes base URLs from the providers' environment variables", () => {
    const config = resolveModelConfig(parseArgs(["--model", "ollama:llama3.1"]), { OLLAMA_BASE_URL: "http://127.0.0.1:11434" });
    expect(config.roles.planner?.baseUrl).toBe("http://127.0.0.1:11434");
    expect(config.roles.planner?.price).toEqual({ inPerM: 0, outPerM: 0 });
    expect(config.roles.planner?.output).toBe("json_schema");
  });

  it("refuses one --model-base-url for roles on different providers", () => {
    const message = configError(() => resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--coder-model", "anthropic:claude-sonnet-4-5", "--model-base-url", "http://x:1"]), env));
    expect(message).toContain("OPENAI_BASE_URL / ANTHROPIC_BASE_URL");
  });

  it("prices models from the table by longest prefix, and --model-price overrides per model or for all", () => {
    const table = resolveModelConfig(parseArgs(["--model", "openai:gpt-4o-mini-2024-07-18"]), env);
    expect(table.roles.planner?.price).toEqual({ inPerM: 0.15, outPerM: 0.6 });
    const overridden = resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--coder-model", "anthropic:claude-sonnet-4-5", "--model-price", "1/2", "--model-price", "anthropic:claude-sonnet-4-5=3/15"]), env);
    expect(overridden.roles.planner?.price).toEqual({ inPerM: 1, outPerM: 2 });
    expect(overridden.roles.coder?.price).toEqual({ inPerM: 3, outPerM: 15 });
    expect(costUsd(overridden.roles.coder!.price, 1_000_000, 100_000)).toBeCloseTo(4.5, 10);
  });

  it("refuses a USD budget for a model whose price is unknown", () => {
    const message = configError(() => resolveModelConfig(parseArgs(["--model", "openai:my-local-model", "--model-base-url", "http://h:1/v1", "--model-budget-usd", "5"]), {}));
    expect(message).toContain("--model-price openai:my-local-model=IN/OUT");
  });

  it("refuses budgets and counts that are not numbers", () => {
    expect(configError(() => resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--model-budget-tokens", "lots"]), env))).toContain("--model-budget-tokens");
    expect(configError(() => resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--model-price", "cheap"]), env))).toContain("IN/OUT");
    expect(configError(() => resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--model-base-url", "ftp://x"]), env))).toContain("http(s) URL");
  });

  it("uses response_format json_schema only for OpenAI models", () => {
    const config = resolveModelConfig(parseArgs(["--model", "openai:gpt-4o", "--critic-model", "anthropic:claude-sonnet-4-5", "--model-output", "json_schema"]), env);
    expect(config.roles.planner?.output).toBe("json_schema");
    expect(config.roles.critic?.output).toBe("tools");
  });

  it("never serialises an API key", () => {
    const config = resolveModelConfig(parseArgs(["--model", "openai:gpt-4o"]), env);
    expect(JSON.stringify(config)).not.toContain("sk-test-0123456789");
    expect(config.roles.planner?.apiKey()).toBe("sk-test-0123456789");
  });
});

describe("policy resolution", () => {
  it("returns the offline policies themselves when no model is configured", () => {
    const policies = offline();
    const resolved = resolvePolicies(parseArgs([]), { campaignId: "c1", sink: new MemorySink(), offline: policies, env: {} });
    expect(resolved.usesModels).toBe(false);
    expect(resolved.planner).toBe(policies.planner);
    expect(resolved.coder).toBe(policies.coder);
    expect(resolved.critic).toBe(policies.critic);
    expect(resolved.summary).toContain("no chat model configured");
    expect(resolved.models).toEqual({ planner: "offline", coder: "offline", critic: "offline" });
  });

  it("wraps only the roles that have a model, and says so in the summary", () => {
    const policies = offline();
    const resolved = resolvePolicies(parseArgs(["--planner-model", "openai:gpt-4o", "--model-budget-usd", "2"]), {
      campaignId: "c1",
      sink: new MemorySink(),
      offline: policies,
      env: { OPENAI_API_KEY: "sk-test-0123456789", LANGSMITH_TRACING: "true", LANGSMITH_PROJECT: "tuning" },
    });
    expect(resolved.usesModels).toBe(true);
    expect(resolved.planner.name).toBe("model:openai:gpt-4o+strategy:random");
    expect(resolved.coder).toBe(policies.coder);
    expect(resolved.critic).toBe(policies.critic);
    expect(resolved.summary).toBe("models: planner=openai:gpt-4o, coder=offline, critic=offline; budget: $2; LangSmith tracing to project tuning");
    expect(resolved.summary).not.toContain("sk-test");
  });
});
