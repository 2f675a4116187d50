// A stand-in model service on 127.0.0.1 that speaks the providers' real HTTP APIs, so tests drive the
// real @langchain/openai and @langchain/anthropic clients end to end:
//   OpenAI    POST /v1/chat/completions (tools + tool_choice -> tool_calls; response_format json_schema -> content)
//   Anthropic POST /v1/messages         (tools -> tool_use content blocks)
//   Ollama    POST /api/chat            (format = JSON schema -> streamed NDJSON content)
// Each route answers from a queue scripted by the test; every request is recorded for assertions.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Route = "openai" | "anthropic" | "ollama";

export type ScriptedReply =
  /** A tool call (OpenAI tool_calls / Anthropic tool_use; Ollama: the JSON content). `args` as a string is sent verbatim (malformed JSON). */
  | { kind: "tool"; args: unknown; name?: string; usage?: Usage }
  /** Plain reply text: for OpenAI response_format json_schema, or a reply that ignores the tool. */
  | { kind: "text"; text: string; usage?: Usage }
  /** An HTTP error with the provider's error body (500, 529 overloaded, 401, ...). */
  | { kind: "http_error"; status: number; message?: string }
  /** The connection is cut without a response. */
  | { kind: "drop" };

export interface Usage {
  input: number;
  output: number;
}

export interface RecordedRequest {
  route: Route;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

const DEFAULT_USAGE: Usage = { input: 120, output: 40 };

export interface ModelStandin {
  /** Base URL for ChatOpenAI's configuration.baseURL (ends in /v1). */
  readonly openaiBaseUrl: string;
  /** Base URL for ChatAnthropic's anthropicApiUrl (the SDK appends /v1/messages). */
  readonly anthropicBaseUrl: string;
  /** Base URL for ChatOllama's baseUrl (the client appends /api/chat). */
  readonly ollamaBaseUrl: string;
  readonly requests: RecordedRequest[];
  /** Appends replies to a route's queue. */
  script(route: Route, ...replies: ScriptedReply[]): void;
  /** Replies still queued on a route (a test that scripted more than was used can say so). */
  pending(route: Route): number;
  /** Requests answered with "nothing scripted" (HTTP 500), which a test usually wants to be zero. */
  readonly unscripted: number;
  /** Stops listening but keeps the port: further requests get connection refused. */
  stop(): Promise<void>;
}

export async function startModelStandin(): Promise<ModelStandin> {
  const queues: Record<Route, ScriptedReply[]> = { openai: [], anthropic: [], ollama: [] };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let unscripted = 0;
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "").split("?")[0]!;
    const routes: Record<string, Route> = { "/v1/chat/completions": "openai", "/v1/messages": "anthropic", "/api/chat": "ollama" };
    const route: Route | null = req.method === "POST" ? (routes[path] ?? null) : null;
    if (route === null) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `stand-in: no route ${req.method} ${path}` } }));
      return;
    }
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({ route, path, headers: req.headers, body });
    const reply = queues[route].shift();
    if (reply === undefined) {
      unscripted++;
      sendError(res, route, 500, `stand-in: nothing scripted for ${route}`);
      return;
    }
    counter++;
    if (reply.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (reply.kind === "http_error") {
      sendError(res, route, reply.status, reply.message ?? "stand-in scripted failure");
      return;
    }
    if (route === "ollama") {
      res.writeHead(200, { "content-type": "application/x-ndjson" }).end(ollamaReply(reply, body));
      return;
    }
    const json = route === "openai" ? openaiReply(reply, body, counter) : anthropicReply(reply, body, counter);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(json));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    anthropicBaseUrl: `http://127.0.0.1:${port}`,
    ollamaBaseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(route, ...replies) {
      queues[route].push(...replies);
    },
    pending(route) {
      return queues[route].length;
    },
    get unscripted() {
      return unscripted;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendError(res: ServerResponse, route: Route, status: number, message: string): void {
  const body =
    route === "openai"
      ? { error: { message, type: status >= 500 ? "server_error" : "invalid_request_error", param: null, code: null } }
      : route === "anthropic"
        ? { type: "error", error: { type: status === 529 ? "overloaded_error" : status >= 500 ? "api_error" : "invalid_request_error", message } }
        : { error: message };
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** The tool the request asked for: the forced tool_choice, else the first tool offered. */
function requestedToolName(route: Route, body: any): string {
  if (route === "openai") return body?.tool_choice?.function?.name ?? body?.tools?.[0]?.function?.name ?? "extract";
  return body?.tool_choice?.name ?? body?.tools?.[0]?.name ?? "extract";
}

function openaiReply(reply: Extract<ScriptedReply, { kind: "tool" | "text" }>, body: any, n: number): unknown {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const message =
    reply.kind === "tool"
      ? {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: `call_${n}`,
              type: "function",
              function: { name: reply.name ?? requestedToolName("openai", body), arguments: typeof reply.args === "string" ? reply.args : JSON.stringify(reply.args) },
            },
          ],
        }
      : { role: "assistant", content: reply.text, refusal: null };
  return {
    id: `chatcmpl-standin-${n}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body?.model ?? "unknown",
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.kind === "tool" ? "tool_calls" : "stop" }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function anthropicReply(reply: Extract<ScriptedReply, { kind: "tool" | "text" }>, body: any, n: number): unknown {
  const usage = reply.usage ?? DEFAULT_USAGE;
  // tool_use.input is a JSON object on the wire; a malformed reply is an object of the wrong shape.
  const content =
    reply.kind === "tool"
      ? [{ type: "tool_use", id: `toolu_standin_${n}`, name: reply.name ?? requestedToolName("anthropic", body), input: typeof reply.args === "string" ? { raw: reply.args } : reply.args }]
      : [{ type: "text", text: reply.text }];
  return {
    id: `msg_standin_${n}`,
    type: "message",
    role: "assistant",
    model: body?.model ?? "unknown",
    content,
    stop_reason: reply.kind === "tool" ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

/** Ollama streams NDJSON: the content in one chunk, then a closing chunk with the token counts. */
function ollamaReply(reply: Extract<ScriptedReply, { kind: "tool" | "text" }>, body: any): string {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const content = reply.kind === "text" ? reply.text : typeof reply.args === "string" ? reply.args : JSON.stringify(reply.args);
  const model = body?.model ?? "unknown";
  const at = new Date().toISOString();
  const chunks = [
    { model, created_at: at, message: { role: "assistant", content }, done: false },
    { model, created_at: at, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", total_duration: 1, load_duration: 0, prompt_eval_count: usage.input, prompt_eval_duration: 1, eval_count: usage.output, eval_duration: 1 },
  ];
  return chunks.map((c) => JSON.stringify(c)).join("\n") + "\n";
}
