// The model options a campaign records so that `resume` rebuilds the same policies. Keys never reach
// them (they come from the environment), and neither do credentials written into --model-base-url:
// those are removed before the options are stored, and a resume asks for the URL again.

import { fail } from "../core/errors.ts";
import { stripUrlSecrets } from "../core/redact.ts";
import type { ModelOptions } from "./options.ts";

/** Marks stored options whose base URL carried credentials that were not stored. */
const CREDENTIALS_REMOVED = "modelBaseUrlCredentialsRemoved";

export function storableModelOptions(options: ModelOptions): Record<string, unknown> {
  if (options.modelBaseUrl === undefined) return { ...options };
  const { url, removed } = stripUrlSecrets(options.modelBaseUrl);
  return { ...options, modelBaseUrl: url, ...(removed ? { [CREDENTIALS_REMOVED]: true } : {}) };
}

/** The recorded options, with the base URL given again on resume when the recorded one lost its credentials. */
export function resumedModelOptions(stored: Record<string, unknown> | undefined, modelBaseUrl: string | undefined): ModelOptions {
  const { [CREDENTIALS_REMOVED]: removed, ...options } = stored ?? {};
  if (modelBaseUrl !== undefined) return { ...(options as ModelOptions), modelBaseUrl };
  if (removed === true) {
    fail("MODEL_CONFIG", `resume: expected --model-base-url again, received nothing (the campaign's URL carried credentials, which nightshift does not store)`);
  }
  return options as ModelOptions;
}
