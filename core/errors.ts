// The one registry of error codes. Exceptions are for bad configuration and bugs only;
// kernel and infrastructure failures travel as typed values in results (runners/types.ts).

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
  HOST_KEY_MISMATCH: "The host key does not match the profile.",
  MODEL_CONFIG: "The chat model configuration is invalid.",
  USAGE: "The command line is invalid.",
  INTERNAL: "A bug in nightshift.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class NightshiftError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
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

export function isNightshiftError(error: unknown): error is NightshiftError {
  return error instanceof NightshiftError;
}
