// What the HTTP side asks of the side that runs campaigns. The daemon serves HTTP in a worker thread, so
// campaigns (whose graph steps, strategies and committed SQLite writes take the main thread for tens to
// hundreds of milliseconds at a time) never hold up a status request or an event stream. Reads the worker
// serves itself, from the store; everything that changes campaigns or touches devices crosses over here,
// as calls on a MessagePort. Errors cross as data and are rebuilt, so a refusal stays a 4xx naming its field.

import { ERROR_CODES, fail, NightshiftError, type ErrorCode } from "../core/errors.ts";
import type { LaneStatus } from "../runners/lane.ts";
import type { SubmitBody } from "./api-schemas.ts";
import type { DeviceView } from "./device-registry.ts";
import { HttpError } from "./http-error.ts";
import type { Job } from "./jobs.ts";

export interface DaemonControl {
  submit(body: SubmitBody): Promise<Job>;
  pause(campaignId: string): Promise<Job>;
  resume(campaignId: string): Promise<Job>;
  cancel(campaignId: string): Promise<Job>;
  devices(): Promise<DeviceView[]>;
  checkDevices(device: string | undefined): Promise<Array<{ device: string; at: string; report: object }>>;
  laneStatuses(): Promise<LaneStatus[]>;
}

/** Either end of the channel: the Worker object on the main thread, parentPort in the worker. */
export interface Port {
  on(event: "message", listener: (message: unknown) => void): unknown;
  postMessage(message: unknown): void;
}

type Method = keyof DaemonControl;
const METHODS: readonly Method[] = ["submit", "pause", "resume", "cancel", "devices", "checkDevices", "laneStatuses"];

interface SerializedError {
  code: ErrorCode;
  message: string;
  http?: { status: number; field: string; expected: string; received: string };
}

export type ControlCall = { kind: "call"; id: number; method: Method; args: unknown[] };
export type ControlReply = { kind: "reply"; id: number; ok: true; value: unknown } | { kind: "reply"; id: number; ok: false; error: SerializedError };

function serialize(error: unknown): SerializedError {
  if (error instanceof HttpError) return { code: error.code, message: error.message, http: { status: error.status, field: error.field, expected: error.expected, received: error.received } };
  if (error instanceof NightshiftError) return { code: error.code, message: error.message };
  return { code: "INTERNAL", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

function rebuild(error: SerializedError): Error {
  if (error.http) return new HttpError(error.http.status, error.code, error.http.field, error.http.expected, error.http.received);
  return new NightshiftError(error.code in ERROR_CODES ? error.code : "INTERNAL", error.message);
}

/** The main thread's side: answers each call on `port` with `control`. */
export function answerCalls(port: Port, control: DaemonControl): void {
  port.on("message", (message: unknown) => {
    const call = message as ControlCall;
    if (call?.kind !== "call") return;
    if (!METHODS.includes(call.method)) {
      port.postMessage({ kind: "reply", id: call.id, ok: false, error: serialize(new NightshiftError("INTERNAL", `control: expected one of ${METHODS.join(", ")}, received ${call.method}`)) } satisfies ControlReply);
      return;
    }
    const run = control[call.method] as (...args: unknown[]) => Promise<unknown>;
    run.apply(control, call.args).then(
      (value) => port.postMessage({ kind: "reply", id: call.id, ok: true, value } satisfies ControlReply),
      (error: unknown) => port.postMessage({ kind: "reply", id: call.id, ok: false, error: serialize(error) } satisfies ControlReply),
    );
  });
}

/** The worker's side: a DaemonControl whose calls travel to the main thread. */
export function controlOver(port: Port): DaemonControl {
  let next = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  port.on("message", (message: unknown) => {
    const reply = message as ControlReply;
    if (reply?.kind !== "reply") return;
    const waiting = pending.get(reply.id) ?? fail("INTERNAL", `control: expected a reply to a pending call, received one for call ${reply.id}`);
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(rebuild(reply.error));
  });
  const call = (method: Method) => (...args: unknown[]) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      port.postMessage({ kind: "call", id, method, args } satisfies ControlCall);
    });
  return Object.fromEntries(METHODS.map((m) => [m, call(m)])) as unknown as DaemonControl;
}
