// The command-line options of the model configuration, defined once so every command that runs a
// campaign adds them with one call (addModelOptions(command)) and reads them back as ModelOptions.

import { Option, type Command } from "commander";

/** What commander hands back for the options below (strings as typed; config.ts validates them). */
export interface ModelOptions {
  model?: string;
  plannerModel?: string;
  coderModel?: string;
  criticModel?: string;
  modelBaseUrl?: string;
  modelOutput?: string;
  modelPrice?: string[];
  modelBudgetUsd?: string;
  modelBudgetTokens?: string;
  modelRetries?: string;
  modelTimeoutS?: string;
  coderMaxFailures?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addModelOptions(command: Command): Command {
  return command
    .addOption(new Option("--model <provider:model>", "chat model for every agent role, e.g. openai:gpt-4o, anthropic:claude-sonnet-4-5, ollama:qwen2.5-coder (default: no model, offline policies)"))
    .addOption(new Option("--planner-model <provider:model>", "chat model for the planner (overrides --model; 'none' keeps the planner offline)"))
    .addOption(new Option("--coder-model <provider:model>", "chat model for the coder (overrides --model; 'none' keeps the coder offline)"))
    .addOption(new Option("--critic-model <provider:model>", "chat model for the critic's diagnosis (overrides --model; 'none' keeps it offline)"))
    .addOption(new Option("--model-base-url <url>", "base URL of the model service (OpenAI-compatible servers such as vLLM or llama.cpp, a proxy, Ollama)"))
    .addOption(new Option("--model-output <method>", "how structured replies are requested: tools (tool calling, every provider) or json_schema (OpenAI response_format)").choices(["tools", "json_schema"]).default("tools"))
    .addOption(new Option("--model-price <price>", "price in USD per million tokens, IN/OUT (e.g. 3/15) for every model, or provider:model=IN/OUT for one; repeatable").argParser(collect))
    .addOption(new Option("--model-budget-usd <usd>", "estimated model spend after which the campaign continues on the offline policies"))
    .addOption(new Option("--model-budget-tokens <tokens>", "model tokens (in + out) after which the campaign continues on the offline policies"))
    .addOption(new Option("--model-retries <n>", "retries of a malformed model reply, with the validation error fed back").default("2"))
    .addOption(new Option("--model-timeout-s <seconds>", "time limit of one model call").default("120"))
    .addOption(new Option("--coder-max-failures <n>", "consecutive failed rewrites after which the coder starts again from the best verified variant").default("3"));
}
