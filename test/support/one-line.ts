// What every refused input must look like: a NightshiftError (never an internal error) whose message is one
// line naming the field, what was expected and what was received, shortened when the input was long.

import { expect } from "vitest";
import { MAX_MESSAGE_CHARS, NightshiftError, type ErrorCode } from "../../core/errors.ts";

/** The error `action` throws, checked to be one clear line; fails the test when nothing is thrown. */
export function oneLineError(action: () => unknown, code?: ErrorCode): NightshiftError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  return checkedOneLine(thrown, code);
}

/** As oneLineError, for a promise. */
export async function oneLineRejection(action: () => Promise<unknown>, code?: ErrorCode): Promise<NightshiftError> {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  return checkedOneLine(thrown, code);
}

function checkedOneLine(thrown: unknown, code: ErrorCode | undefined): NightshiftError {
  if (thrown === undefined) throw new Error("expected the input to be refused, but it was accepted");
  if (!(thrown instanceof NightshiftError)) throw new Error(`expected a NightshiftError, received ${String((thrown as Error)?.stack ?? thrown)}`);
  expect(thrown.code).not.toBe("INTERNAL");
  if (code !== undefined) expect(thrown.code, thrown.message).toBe(code);
  expect(isOneLine(thrown.message), thrown.message).toBe(true);
  return thrown;
}

/** One line, "expected" before "received", no schema-library fallback wording, and no longer than the backstop allows. */
export function isOneLine(message: string): boolean {
  const expected = message.indexOf("expected");
  const fallback = /Invalid (input|option)|Too (big|small):/.test(message);
  return !message.includes("\n") && !fallback && expected >= 0 && message.indexOf("received", expected) > expected && message.length <= MAX_MESSAGE_CHARS;
}
