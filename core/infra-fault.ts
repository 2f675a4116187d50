// The one infrastructure fault: the machine, the connection, the scheduler or nightshift's own trusted side
// failed, so whatever was being measured says nothing about the kernel. It travels as an exception only
// inside a step (an executor call, a pipeline step) and becomes an infra_error result at the step boundary.
// `infraCode` lets the device lane tell a refused device (host key, authentication) from a flaky one.

export type InfraCode = "HOST_KEY_MISMATCH" | "AUTH_FAILED" | "UNREACHABLE" | "CONNECTION_LOST" | "REMOTE_IO" | "SCHEDULER" | "MACHINE";

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

/** A fault of the machine or of nightshift's trusted side, outside any connection: a full disk, a broken toolkit. */
export function machineFault(message: string, retryable: boolean): InfraFault {
  return new InfraFault("MACHINE", message, { retryable });
}

export function isInfraFault(error: unknown): error is InfraFault {
  return error instanceof InfraFault;
}

/** A device that refuses us will refuse again: retrying it only hides a configuration problem. */
export function refusesDevice(error: unknown): boolean {
  return isInfraFault(error) && (error.infraCode === "HOST_KEY_MISMATCH" || error.infraCode === "AUTH_FAILED");
}
