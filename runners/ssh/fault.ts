// The one rejection type of the remote executors: an infrastructure fault, never a kernel verdict.
// `code` lets the device pool tell a refused device (host key, authentication) from a flaky one.

export type InfraCode = "HOST_KEY_MISMATCH" | "AUTH_FAILED" | "UNREACHABLE" | "CONNECTION_LOST" | "REMOTE_IO" | "SCHEDULER";

export class InfraFault extends Error {
  readonly infraCode: InfraCode;
  readonly retryable: boolean;

  constructor(infraCode: InfraCode, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "InfraFault";
    this.infraCode = infraCode;
    this.retryable = options.retryable;
  }
}

export function isInfraFault(error: unknown): error is InfraFault {
  return error instanceof InfraFault;
}

/** A device that refuses us will refuse again: retrying it only hides a configuration problem. */
export function refusesDevice(error: unknown): boolean {
  return isInfraFault(error) && (error.infraCode === "HOST_KEY_MISMATCH" || error.infraCode === "AUTH_FAILED");
}
