// The one shape of every error the daemon answers: a status and a JSON body that names the field, what was
// expected and what was received. Codes come from the registry (core/errors.ts); so does the wording of
// errors that deeper code throws ("field: expected X, received Y"), which is parsed back into its parts.

import { NightshiftError, type ErrorCode } from "../core/errors.ts";

export interface ErrorBody {
  error: { code: ErrorCode; field: string; expected: string; received: string; message: string };
}

/** Bad input to one request: thrown inside a handler, answered by the app's error handler, never logged as a fault. */
export class HttpError extends NightshiftError {
  readonly status: number;
  readonly field: string;
  readonly expected: string;
  readonly received: string;

  constructor(status: number, code: ErrorCode, field: string, expected: string, received: string) {
    super(code, `${field}: expected ${expected}, received ${received}`);
    this.status = status;
    this.field = field;
    this.expected = expected;
    this.received = received;
  }

  body(): ErrorBody {
    return { error: { code: this.code, field: this.field, expected: this.expected, received: this.received, message: this.message } };
  }
}

/** Errors that say the client asked for something wrong; anything else from deeper code is the daemon's fault (500). */
const CLIENT_STATUS: Partial<Record<ErrorCode, number>> = {
  SPEC_INVALID: 400,
  SPEC_NOT_FOUND: 400,
  PROFILE_INVALID: 400,
  PROFILE_NOT_FOUND: 400,
  EXPR_INVALID: 400,
  PARAMS_INVALID: 400,
  SPACE_INVALID: 400,
  STRATEGY_UNKNOWN: 400,
  MODEL_CONFIG: 400,
  USAGE: 400,
  REQUEST_INVALID: 400,
  UPLOAD_INVALID: 400,
  AUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_STATE: 409,
  CAMPAIGN_FINISHED: 409,
  REQUEST_TOO_LARGE: 413,
  SANDBOX_REQUIRED: 422,
  RATE_LIMITED: 429,
};

const SHAPE = /^(.*?): expected ([\s\S]*?), received ([\s\S]*)$/;

/**
 * A NightshiftError thrown while handling `field` (a spec that does not load, an unknown strategy) as an
 * HttpError, or null when it is not the client's doing.
 */
export function asClientError(error: NightshiftError, field: string): HttpError | null {
  if (error instanceof HttpError) return error;
  const status = CLIENT_STATUS[error.code];
  if (status === undefined) return null;
  const match = SHAPE.exec(error.message);
  if (!match) return new HttpError(status, error.code, field, "a valid value", error.message);
  return new HttpError(status, error.code, fieldWithin(field, match[1]!.trim()), match[2]!, match[3]!);
}

/** "spec" and "parameters.X" make "spec.parameters.X"; a label that is no field name (a path, words) leaves `field`. */
function fieldWithin(field: string, inner: string): string {
  if (inner === field || inner.startsWith(`${field}.`) || inner.startsWith(`${field}[`)) return inner;
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+|\[\d+\])*$/.test(inner) ? `${field}.${inner}` : field;
}
