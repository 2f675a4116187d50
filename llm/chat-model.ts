// Builds the LangChain chat model for one role with initChatModel ("provider:model"), and binds the
// reply format: a forced tool call (every provider) or OpenAI's response_format json_schema.
// LangChain's own retries are off (maxRetries 0): model-client.ts decides what is retried, so an
// outage costs one failed call, not a minute of back-off per agent step.

import { initChatModel } from "langchain";
import type { BaseMessage } from "@langchain/core/messages";
import type { ModelSpec } from "./model-config.ts";

/** What a reply yields before validation: the structured object, or why there is none. */
export type RawReply = { ok: true; value: unknown; tokensIn: number; tokensOut: number } | { ok: false; malformed: string; tokensIn: number; tokensOut: number };

export interface ReplyFormat {
  name: string;
  description: string;
  /** JSON Schema of the reply (from the zod schema). */
  parameters: Record<string, unknown>;
}

export interface InvokeOptions {
  runName: string;
  tags: string[];
  metadata: Record<string, unknown>;
}

/** One role's model with its reply format bound; invoke() rejects only for service failures. */
export interface BoundModel {
  invoke(messages: BaseMessage[], options: InvokeOptions): Promise<RawReply>;
}

export type ModelFactory = (spec: ModelSpec, format: ReplyFormat) => Promise<BoundModel>;

export const createBoundModel: ModelFactory = async (spec, format) => {
  const model = await initChatModel(`${spec.provider}:${spec.model}`, providerFields(spec));
  const bound = bindFormat(model, spec, format);
  return {
    async invoke(messages, options) {
      let message;
      try {
        message = await bound.invoke(messages, { runName: options.runName, tags: options.tags, metadata: options.metadata, timeout: spec.timeoutMs } as never);
      } catch (error) {
        // The OpenAI SDK parses json_schema content itself and throws SyntaxError on invalid JSON.
        if (error instanceof SyntaxError) return { ok: false, malformed: `the reply is not valid JSON: ${error.message}`, tokensIn: 0, tokensOut: 0 };
        throw error;
      }
      const usage = (message as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
      const tokensIn = usage?.input_tokens ?? 0;
      const tokensOut = usage?.output_tokens ?? 0;
      return { ...extract(message as never, format.name, spec.output), tokensIn, tokensOut } as RawReply;
    },
  };
};

/** Binds how the reply must come back. Returns LangChain's own runnable; typed loosely across providers. */
function bindFormat(model: Awaited<ReturnType<typeof initChatModel>>, spec: ModelSpec, format: ReplyFormat) {
  // Ollama does not honour tool_choice; its structured outputs (format = JSON schema) do constrain the reply.
  if (spec.provider === "ollama") return model.withConfig({ format: format.parameters } as never);
  if (spec.output === "json_schema") {
    return model.withConfig({ response_format: { type: "json_schema", json_schema: { name: format.name, description: format.description, schema: format.parameters, strict: false } }, strict: false } as never);
  }
  return model.bindTools([{ type: "function", function: { name: format.name, description: format.description, parameters: format.parameters } }], { tool_choice: format.name } as never);
}

function providerFields(spec: ModelSpec): Record<string, unknown> {
  const common = { maxRetries: 0, temperature: 0.2 };
  switch (spec.provider) {
    case "openai":
      return { ...common, apiKey: spec.apiKey(), configuration: spec.baseUrl ? { baseURL: spec.baseUrl } : undefined };
    case "anthropic":
      return { ...common, apiKey: spec.apiKey(), anthropicApiUrl: spec.baseUrl ?? undefined, maxTokens: 16_384 };
    case "ollama":
      return { ...common, baseUrl: spec.baseUrl ?? undefined };
  }
}

interface ReplyMessage {
  content: unknown;
  tool_calls?: Array<{ name: string; args: unknown }>;
  invalid_tool_calls?: Array<{ name?: string; args?: string; error?: string }>;
}

function extract(message: ReplyMessage, toolName: string, output: ModelSpec["output"]): { ok: true; value: unknown } | { ok: false; malformed: string } {
  if (output === "json_schema") {
    const text = textOf(message.content);
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      return { ok: false, malformed: `the reply is not valid JSON: ${(error as Error).message}` };
    }
  }
  const call = message.tool_calls?.find((c) => c.name === toolName);
  if (call) return { ok: true, value: call.args };
  const invalid = message.invalid_tool_calls?.[0];
  if (invalid) return { ok: false, malformed: `the ${toolName} call's arguments are not valid JSON: ${String(invalid.args ?? "").slice(0, 200)}` };
  return { ok: false, malformed: `the reply did not call the ${toolName} tool (it said: ${textOf(message.content).slice(0, 200) || "nothing"})` };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((b) => (typeof b === "string" ? b : typeof b?.text === "string" ? b.text : "")).join("");
  return "";
}
