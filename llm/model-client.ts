// The one way the LLM policies talk to a model: a structured request in, a validated value or a typed
// failure out. Every attempt is recorded and charged; replies are validated here with schema.parse
// (so a scripted model and a real one are judged alike); a malformed reply is retried a bounded number
// of times with the validation error fed back; service failures feed the circuit breaker.

import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { z } from "zod";
import { redactSecrets } from "../core/redact.ts";
import type { Accountant, Role } from "./accounting.ts";
import { createBoundModel, type BoundModel, type ModelFactory, type RawReply } from "./chat-model.ts";
import type { CircuitBreaker } from "./circuit.ts";
import type { LlmConfig, ModelSpec } from "./model-config.ts";
import { costUsd } from "./prices.ts";

export type CallFailure = "no_model" | "budget" | "unavailable" | "service_error" | "malformed";
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; reason: CallFailure; detail: string };

export interface StructuredRequest<T> {
  role: Role;
  schema: z.ZodType<T>;
  /** Tool (or json_schema) name and description shown to the model. */
  name: string;
  description: string;
  system: string;
  user: string;
  /** Checks beyond the schema (e.g. the rewrite keeps the parameter macros); a message is fed back like a schema error. */
  check?: (value: T) => string | null;
  /** The variant a valid reply becomes (coder rewrites), so its cost can be joined to its evaluations. */
  variantHashOf?: (value: T) => string | undefined;
}

const FEEDBACK_CHARS = 1500;

type RequestMeta = { role: Role; name: string; description: string; schema: z.ZodType };

export class ModelClient {
  private readonly models = new Map<string, Promise<BoundModel>>();

  constructor(
    readonly config: LlmConfig,
    private readonly accountant: Accountant,
    private readonly breaker: CircuitBreaker,
    private readonly factory: ModelFactory = createBoundModel,
  ) {}

  spec(role: Role): ModelSpec | null {
    return this.config.roles[role];
  }

  /** Whether a call for this role would go out now (a model is configured, budget left, service up). */
  available(role: Role): boolean {
    return this.config.roles[role] !== null && this.accountant.allows() && this.breaker.allows();
  }

  async call<T>(request: StructuredRequest<T>): Promise<CallOutcome<T>> {
    const spec = this.config.roles[request.role];
    if (spec === null) return { ok: false, reason: "no_model", detail: `no model configured for the ${request.role}` };
    const messages: BaseMessage[] = [new SystemMessage(request.system), new HumanMessage(request.user)];
    let lastProblem = "";
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (!this.accountant.allows()) return { ok: false, reason: "budget", detail: "the model budget is spent" };
      if (!this.breaker.allows()) return { ok: false, reason: "unavailable", detail: "the model service is unavailable (circuit open)" };
      const started = performance.now();
      let reply: RawReply;
      try {
        const model = await this.model(spec, request);
        reply = await model.invoke(messages, {
          runName: `nightshift.${request.role}`,
          tags: ["nightshift", request.role],
          metadata: { campaignId: this.accountant.id(), role: request.role, attempt },
        });
      } catch (error) {
        const detail = redact(describeError(error), spec);
        this.record(spec, request, started, 0, 0, false, detail);
        if (isFatal(error)) this.breaker.fatal(detail);
        else this.breaker.failure(detail);
        return { ok: false, reason: "service_error", detail };
      }
      this.breaker.success();
      const problem = reply.ok ? validate(request, reply.value) : { problem: reply.malformed };
      if ("value" in problem) {
        this.record(spec, request, started, reply.tokensIn, reply.tokensOut, true, undefined, request.variantHashOf?.(problem.value));
        return { ok: true, value: problem.value };
      }
      lastProblem = problem.problem;
      this.record(spec, request, started, reply.tokensIn, reply.tokensOut, false, `malformed reply: ${lastProblem}`);
      const shown = reply.ok ? JSON.stringify(reply.value) ?? "" : "";
      messages.push(
        new HumanMessage(
          `Your previous reply was rejected: ${truncate(lastProblem, FEEDBACK_CHARS)}\n` +
            (shown ? `Your previous reply was: ${truncate(shown, FEEDBACK_CHARS)}\n` : "") +
            `Reply again by calling ${request.name} with arguments that satisfy its schema.`,
        ),
      );
    }
    return { ok: false, reason: "malformed", detail: `no valid reply after ${this.config.retries + 1} attempts; last problem: ${truncate(lastProblem, 300)}` };
  }

  private model(spec: ModelSpec, request: RequestMeta): Promise<BoundModel> {
    const key = `${request.role}/${request.name}`;
    let model = this.models.get(key);
    if (model === undefined) {
      // The "$schema" marker zod adds is not part of the providers' tool-parameter dialect.
      const { $schema: _marker, ...parameters } = z.toJSONSchema(request.schema, { io: "input" }) as Record<string, unknown>;
      model = this.factory(spec, { name: request.name, description: request.description, parameters });
      // A failed construction is retried on the next call rather than cached.
      model.catch(() => this.models.delete(key));
      this.models.set(key, model);
    }
    return model;
  }

  private record(spec: ModelSpec, request: RequestMeta, started: number, tokensIn: number, tokensOut: number, ok: boolean, error?: string, variantHash?: string): void {
    this.accountant.record({
      role: request.role,
      model: spec.ref,
      tokensIn,
      tokensOut,
      latencyMs: Math.round(performance.now() - started),
      costUsd: costUsd(spec.price, tokensIn, tokensOut),
      ok,
      ...(error !== undefined ? { error: truncate(error, 500) } : {}),
      ...(variantHash !== undefined ? { variantHash } : {}),
    });
  }
}

function validate<T>(request: StructuredRequest<T>, raw: unknown): { value: T } | { problem: string } {
  const parsed = request.schema.safeParse(raw);
  if (!parsed.success) return { problem: z.prettifyError(parsed.error) };
  const problem = request.check?.(parsed.data) ?? null;
  return problem === null ? { value: parsed.data } : { problem };
}

function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; response?: { status?: unknown } } | null;
  const status = e?.status ?? e?.response?.status;
  return typeof status === "number" ? status : undefined;
}

/** Rejections no retry fixes: wrong key, no permission, unknown model. */
function isFatal(error: unknown): boolean {
  const status = statusOf(error);
  return status === 401 || status === 403 || status === 404;
}

function describeError(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status !== undefined ? `HTTP ${status}: ${truncate(message, 300)}` : truncate(`${(error as Error)?.name ?? "Error"}: ${message}`, 300);
}

/** Error messages from some services echo part of the key or the URL with its credentials; neither reaches a record or a log. */
function redact(text: string, spec: ModelSpec): string {
  const key = spec.apiKey();
  return redactSecrets(key && key.length >= 8 ? text.split(key).join("[redacted]") : text);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)} ... [${text.length - max + 20} chars cut]`;
}
