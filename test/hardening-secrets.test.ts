// Issue #12, class 6: credentials written into --model-base-url (user:password@, ?api_key=) are redacted in
// every message and log line and never stored: the campaign row keeps the URL without them, and a resume
// asks for the URL again.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { log } from "../core/log.ts";
import { redactSecrets, stripUrlSecrets } from "../core/redact.ts";
import { describeModelConfig, resolveModelConfig } from "../llm/model-config.ts";
import { resumedModelOptions, storableModelOptions } from "../llm/stored-options.ts";
import { openStore } from "../results/store.ts";
import { captureLog } from "./support/capture-log.ts";
import { oneLineError } from "./support/one-line.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const SPACE = join(DATA, "t1", "pnpoly.json");
const REPLAY = join(DATA, "pnpoly", "RTX_3090.json.gz");
const PASSWORD = "hunter2-secret";
const API_KEY = "sk-in-the-query-123";
const URL_WITH_SECRETS = `http://alice:${PASSWORD}@127.0.0.1:9/v1?api_key=${API_KEY}&region=eu`;
const dir = mkdtempSync(join(tmpdir(), "nightshift-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("URL credentials", () => {
  it("are redacted wherever a URL is shown", () => {
    expect(redactSecrets(`connect to ${URL_WITH_SECRETS} failed`)).toBe("connect to http://[redacted]@127.0.0.1:9/v1?api_key=[redacted]&region=eu failed");
    const config = resolveModelConfig({ model: "openai:gpt-4o", modelBaseUrl: URL_WITH_SECRETS }, {});
    expect(describeModelConfig(config)).toBe(
      "models: planner=openai:gpt-4o @ http://[redacted]@127.0.0.1:9/v1?api_key=[redacted]&region=eu, coder=openai:gpt-4o @ http://[redacted]@127.0.0.1:9/v1?api_key=[redacted]&region=eu, critic=openai:gpt-4o @ http://[redacted]@127.0.0.1:9/v1?api_key=[redacted]&region=eu; budget: unlimited",
    );
  });

  it("are redacted in the message that refuses the URL", () => {
    const message = oneLineError(() => resolveModelConfig({ model: "openai:gpt-4o", modelBaseUrl: `ftp://alice:${PASSWORD}@h/` }, {}), "MODEL_CONFIG").message;
    expect(message).toBe('--model-base-url: expected an http(s) URL, received "ftp://[redacted]@h/"');
  });

  it("are redacted in every log line, whatever logs them", () => {
    const captured = captureLog();
    try {
      log.info({ baseUrl: URL_WITH_SECRETS }, `calling ${URL_WITH_SECRETS}`);
    } finally {
      captured.restore();
    }
    expect(captured.lines.join("")).not.toContain(PASSWORD);
    expect(captured.lines.join("")).not.toContain(API_KEY);
  });

  it("are left out of the stored options, and a resume asks for the URL again", () => {
    expect(stripUrlSecrets(URL_WITH_SECRETS)).toEqual({ url: "http://127.0.0.1:9/v1?region=eu", removed: true });
    const stored = storableModelOptions({ model: "openai:gpt-4o", modelBaseUrl: URL_WITH_SECRETS });
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(oneLineError(() => resumedModelOptions(stored, undefined), "MODEL_CONFIG").message).toBe(
      "resume: expected --model-base-url again, received nothing (the campaign's URL carried credentials, which nightshift does not store)",
    );
    expect(resumedModelOptions(stored, URL_WITH_SECRETS).modelBaseUrl).toBe(URL_WITH_SECRETS);
  });

  it("never reach the log, the campaign row or the model-call records of a real run", () => {
    const db = join(dir, "store.db");
    // A replayed device: the run reaches the model service (which refuses the URL) with no compiler involved.
    const args = ["run", SPACE, "--device", `replay:${REPLAY}`, "--budget", "2", "--db", db, "--json", "--model", "openai:gpt-4o", "--model-base-url", URL_WITH_SECRETS];
    const run = spawnSync(process.execPath, [join(import.meta.dirname, "..", "bin", "nightshift.js"), ...args], {
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "debug", OPENAI_API_KEY: "sk-dummy-0123456789" },
    });
    expect(run.status, run.stderr).toBe(0);
    const id = JSON.parse(run.stdout).campaignId as string;
    const store = openStore(db, { mustExist: true });
    try {
      const stored = JSON.stringify([store.getCampaign(id), store.modelCalls(id)]);
      expect(stored).toContain("http://127.0.0.1:9/v1?region=eu");
      for (const secret of [PASSWORD, API_KEY]) {
        expect(stored).not.toContain(secret);
        expect(run.stderr + run.stdout).not.toContain(secret);
      }
    } finally {
      store.close();
    }
  });
});
