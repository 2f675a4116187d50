// The command line as a client of a nightshift daemon (--server URL): JSON requests with the token, the
// daemon's errors as the CLI's one-line errors, and its event stream as an async iterator that survives
// the daemon restarting (it reconnects and says where it stopped).

import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { describeValue, ERROR_CODES, fail, type ErrorCode } from "../core/errors.ts";

export interface ServerFlags {
  server?: string;
  tokenFile?: string;
}

export function addServerOptions(command: Command, required: boolean): Command {
  return command
    .option("--server <url>", `a nightshift daemon (nightshift serve), e.g. http://127.0.0.1:8377${required ? " (default: $NIGHTSHIFT_SERVER)" : ""}`)
    .option("--token-file <path>", "the daemon's token: a file holding it, or the daemon's tokens JSON (default: $NIGHTSHIFT_TOKEN)");
}

/** The token: --token-file (a plain token, or the daemon's {admin, read} file), else $NIGHTSHIFT_TOKEN. */
function tokenOf(flags: ServerFlags, env: NodeJS.ProcessEnv): string {
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, "utf8").trim();
    } catch (error) {
      return fail("USAGE", `--token-file: expected a readable file, received ${describeValue(flags.tokenFile)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (text.startsWith("{")) {
      const tokens = JSON.parse(text) as { admin?: unknown; read?: unknown };
      const token = typeof tokens.admin === "string" ? tokens.admin : tokens.read;
      if (typeof token !== "string") fail("USAGE", `--token-file: expected {"admin": "..."} or a plain token, received other JSON in ${flags.tokenFile}`);
      return token;
    }
    return text;
  }
  const token = env.NIGHTSHIFT_TOKEN?.trim();
  if (!token) fail("USAGE", "--token-file: expected the daemon's token in a file or in $NIGHTSHIFT_TOKEN, received neither");
  return token;
}

export interface StreamEvent {
  id: string | null;
  type: string;
  data: Record<string, unknown>;
}

export class DaemonClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static fromFlags(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): DaemonClient {
    const server = (flags.server ?? env.NIGHTSHIFT_SERVER ?? "").trim();
    if (!/^https?:\/\/[^\s/]+/.test(server)) fail("USAGE", `--server: expected a daemon's URL such as http://127.0.0.1:8377, received ${describeValue(flags.server ?? env.NIGHTSHIFT_SERVER)}`);
    return new DaemonClient(server.replace(/\/+$/, ""), tokenOf(flags, env));
  }

  async json<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}) });
    return (await response.json()) as T;
  }

  async upload<T>(path: string, tarball: Buffer): Promise<T> {
    const response = await this.fetch(path, { method: "POST", body: new Blob([new Uint8Array(tarball)]), headers: { "content-type": "application/gzip" } });
    return (await response.json()) as T;
  }

  async bytes(path: string): Promise<Buffer> {
    return Buffer.from(await (await this.fetch(path, { method: "GET" })).arrayBuffer());
  }

  /**
   * The events at `path` until `signal` aborts or the caller stops iterating. A dropped connection (the
   * daemon restarting) is reopened with the last event id, waiting a little longer each time.
   */
  async *events(path: string, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    let lastId: string | null = null;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const response = await this.fetch(path, { method: "GET", signal, headers: { accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) } });
        attempt = 0;
        for await (const event of parseEventStream(response.body!)) {
          if (event.id) lastId = event.id;
          yield event;
        }
      } catch (error) {
        if (signal.aborted) return;
        if ((error as { code?: string }).code !== "SERVER_UNREACHABLE") throw error;
      }
      await sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal }).catch(() => undefined);
    }
  }

  private async fetch(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { ...init, headers: { authorization: `Bearer ${this.token}`, ...init.headers } });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return fail("SERVER_UNREACHABLE", `--server: expected a nightshift daemon at ${this.url}, received no answer (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
    if (response.ok) return response;
    const text = await response.text();
    let error: { code?: string; message?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      // not the daemon's JSON: said below
    }
    if (error?.code && error.message && error.code in ERROR_CODES) fail(error.code as ErrorCode, `${this.url}: ${error.message}`);
    return fail("SERVER_UNREACHABLE", `--server: expected a nightshift daemon at ${this.url}, received HTTP ${response.status} ${describeValue(text.slice(0, 200))}`);
  }
}

/** Server-sent events from a byte stream: blank-line separated blocks of "field: value" lines. */
async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | null = null;
      let type = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = value;
        else if (field === "event") type = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) yield { id, type, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
    }
  }
}
