// The one registry of error codes. Exceptions are for bad configuration and bugs only;
// kernel and infrastructure failures travel as typed values in results (harness/types.ts).

export const ERROR_CODES = {
  SPEC_INVALID: "The kernel spec does not match its schema.",
  SPEC_NOT_FOUND: "The kernel spec folder or file does not exist.",
  PROFILE_INVALID: "The hardware profile does not match its schema.",
  PROFILE_NOT_FOUND: "No hardware profile with that name or path.",
  EXPR_INVALID: "An expression could not be parsed or names an unknown variable.",
  EXPR_EVAL: "An expression could not be evaluated.",
  PARAMS_INVALID: "Parameter values are not in the search space.",
  SOURCE_INVALID: "A variant source file is missing or unreadable.",
  SPACE_INVALID: "A tuning space or cache file is malformed.",
  REPLAY_MISS: "A configuration valid under the restrictions is missing from the replay data.",
  STRATEGY_UNKNOWN: "No search strategy with that name.",
  STORE_ERROR: "The result store could not be opened or written.",
  CAMPAIGN_NOT_FOUND: "No campaign with that id in the store.",
  CAMPAIGN_FINISHED: "The campaign has already finished.",
  DEVICE_UNREACHABLE: "The device could not be reached.",
  BUILD_FAILED: "The machine, not the source, stopped a build (a killed compiler, a full disk, a broken toolchain).",
  HOST_KEY_MISMATCH: "The host key does not match the profile.",
  MODEL_CONFIG: "The chat model configuration is invalid.",
  USAGE: "The command line is invalid.",
  AUTH_REQUIRED: "The daemon expected a valid bearer token and received none, or one it does not know.",
  AUTH_FORBIDDEN: "The token is valid but of a kind that may not do this (a read token asked to change something).",
  REQUEST_INVALID: "An HTTP request to the daemon is malformed: bad JSON, unknown or invalid fields, unsafe characters.",
  REQUEST_TOO_LARGE: "An HTTP request body is larger than the daemon accepts.",
  UPLOAD_INVALID: "An uploaded spec (tarball or files) holds something the daemon refuses: links, paths leaving it, too much.",
  RATE_LIMITED: "Too many requests from one client in a short time.",
  NOT_FOUND: "No such route or file on the daemon.",
  CAMPAIGN_STATE: "The campaign is not in a state that allows this (pausing a finished campaign, resuming a cancelled one).",
  SANDBOX_REQUIRED: "Code that arrived over HTTP may run only inside the variant sandbox, which this device cannot give it.",
  SERVER_UNREACHABLE: "The nightshift daemon did not answer, or answered something that is not its API.",
  INTERNAL: "A bug in nightshift.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class NightshiftError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(clipMessage(message), options);
    this.name = "NightshiftError";
    this.code = code;
  }
}

export function fail(code: ErrorCode, message: string, cause?: unknown): never {
  throw new NightshiftError(code, message, cause === undefined ? undefined : { cause });
}

/** "expected X, received Y" with the received value shown compactly. */
export function expectedReceived(where: string, expected: string, received: unknown): string {
  return `${where}: expected ${expected}, received ${describeValue(received)}`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/**
 * The last guard on a message's length: every value is meant to be shown through describeValue, but a
 * message built from a long path or a foreign error must still read as one line, not a megabyte.
 */
export const MAX_MESSAGE_CHARS = 1000;

export function clipMessage(message: string): string {
  const line = message.replace(/\r?\n/g, " ");
  if (line.length <= MAX_MESSAGE_CHARS) return line;
  const cut = line.length - MAX_MESSAGE_CHARS + 40;
  return `${line.slice(0, MAX_MESSAGE_CHARS - 240)} [${cut} characters left out] ${line.slice(-200)}`;
}

export function isNightshiftError(error: unknown): error is NightshiftError {
  return error instanceof NightshiftError;
}
