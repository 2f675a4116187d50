// Bad input to the daemon gets a 4xx whose JSON names the field, what was expected and what was received,
// and nothing is recorded, written or run for it: tokens (missing, wrong, wrong kind), malformed JSON,
// unknown fields, spec paths leaving the spec roots, oversized bodies, hostile tarballs, shell
// metacharacters anywhere, and uploaded code asked onto a device that would run it outside the sandbox.

import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Header } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { openStore } from "../results/store.ts";
import { daemonDataDir } from "../server/daemon.ts";
import { tempDir } from "../testbed/procs.ts";
import { PNPOLY_DATA, REPLAY_DEVICE, ROOT, startTestDaemon, type TestDaemon } from "./support/daemon.ts";

const LOCAL_PROFILE = join(ROOT, "test", "fixtures", "test-local-profile.json");
const root = tempDir("nightshift-spec-root-");
let d: TestDaemon;
let uploadsDir: string;

beforeAll(async () => {
  copyFileSync(join(ROOT, "data", "spaces", "t1", "pnpoly.json"), join(root, "pnpoly.json"));
  symlinkSync("/etc", join(root, "outside"));
  symlinkSync(join(ROOT, "data", "spaces", "t1", "pnpoly.json"), join(root, "linked.json"));
  // The daemon's own data folder sits inside this spec root: clients must still not reach it.
  d = await startTestDaemon({ dbPath: join(root, "store.db"), specRoots: [root], devices: [`replay:${PNPOLY_DATA}`, LOCAL_PROFILE], uploadLimitBytes: 64 * 1024 });
  uploadsDir = join(daemonDataDir(join(root, "store.db")), "uploads");
});
afterAll(async () => {
  await d?.stop();
});

/** A tar archive written entry by entry, so it can hold what no honest tool would write. */
function tarOf(entries: Array<{ path: string; type?: "File" | "Directory" | "SymbolicLink" | "Link" | "FIFO"; body?: string; linkpath?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    const block = Buffer.alloc(512);
    new Header({ path: e.path, type: e.type ?? "File", size: (e.type ?? "File") === "File" ? body.length : 0, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) }).encode(block, 0);
    blocks.push(block);
    if ((e.type ?? "File") === "File" && body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const valid = { spec: { path: "pnpoly.json" }, devices: [REPLAY_DEVICE], budget: 3 };

async function refused(response: Response, status: number, code: string, field: string | RegExp, received?: RegExp): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const { error } = JSON.parse(text);
  expect(error.code, text).toBe(code);
  if (typeof field === "string") expect(error.field, text).toBe(field);
  else expect(error.field, text).toMatch(field);
  expect(error.expected.length).toBeGreaterThan(0);
  if (received) expect(error.received, text).toMatch(received);
  expect(error.message).toBe(`${error.field}: expected ${error.expected}, received ${error.received}`);
}

function recorded(): { campaigns: number; jobs: number; uploads: string[] } {
  const store = openStore(d.daemon.dbPath, { mustExist: true });
  try {
    return { campaigns: store.listCampaigns().length, jobs: d.daemon.jobs.all().length, uploads: existsSync(uploadsDir) ? readdirSync(uploadsDir) : [] };
  } finally {
    store.close();
  }
}

describe("tokens", () => {
  it("refuses a request without a token, with a malformed header, or with a token it does not know", async () => {
    await refused(await d.call("GET", "/v1/campaigns", { token: null }), 401, "AUTH_REQUIRED", "authorization", /^nothing$/);
    await refused(await d.call("GET", "/v1/campaigns", { token: null, headers: { authorization: `Basic ${d.admin}` } }), 401, "AUTH_REQUIRED", "authorization", /not 'Bearer/);
    const wrong = await d.call("GET", "/v1/campaigns", { token: `${d.admin.slice(0, -1)}x` });
    expect(wrong.headers.get("www-authenticate")).toContain("invalid_token");
    await refused(wrong, 401, "AUTH_REQUIRED", "authorization", /does not know/);
    // An unknown route is not revealed to a client without a token.
    await refused(await d.call("GET", "/v1/secret", { token: null }), 401, "AUTH_REQUIRED", "authorization");
    await refused(await d.call("GET", "/v1/secret"), 404, "NOT_FOUND", "url");
    expect((await d.call("GET", "/v1/events", { token: null })).status).toBe(401);
    expect((await d.call("GET", "/openapi.json", { token: null })).status).toBe(401);
  });

  it("lets a read token look but not change anything", async () => {
    expect((await d.call("GET", "/v1/campaigns", { token: d.read })).status).toBe(200);
    await refused(await d.call("POST", "/v1/campaigns", { token: d.read, json: valid }), 403, "AUTH_FORBIDDEN", "authorization", /read token/);
    await refused(await d.call("POST", "/v1/specs", { token: d.read, json: { files: {} } }), 403, "AUTH_FORBIDDEN", "authorization");
    await refused(await d.call("POST", "/v1/devices/check", { token: d.read }), 403, "AUTH_FORBIDDEN", "authorization");
  });

  it("keeps generated tokens in a file only its owner can read, or takes them from the environment", async () => {
    expect(statSync(join(root, "store.tokens.json")).mode & 0o777).toBe(0o600);
    const admin = "nsa_environment-admin-token-0123456789";
    const read = "nsr_environment-read-token-0123456789";
    const dir = tempDir("nightshift-env-tokens-");
    const fromEnv = await startTestDaemon({ dbPath: join(dir, "store.db"), env: { NIGHTSHIFT_TOKEN: admin, NIGHTSHIFT_READ_TOKEN: read } });
    try {
      expect(existsSync(join(dir, "store.tokens.json"))).toBe(false);
      expect((await fromEnv.call("GET", "/v1/campaigns", { token: read })).status).toBe(200);
      expect((await fromEnv.call("GET", "/v1/campaigns", { token: d.admin })).status).toBe(401);
    } finally {
      await fromEnv.stop();
    }
    await expect(startTestDaemon({ dbPath: join(tempDir("nightshift-short-"), "store.db"), env: { NIGHTSHIFT_TOKEN: "short" } })).rejects.toThrow(/NIGHTSHIFT_TOKEN: expected a token of at least/);
  });

  it("listens on loopback only, unless told otherwise", async () => {
    const error = await startTestDaemon({ host: "0.0.0.0", dbPath: join(tempDir("nightshift-remote-"), "store.db") }).catch((e: unknown) => e);
    expect(isNightshiftError(error) && error.code === "USAGE" && /--allow-remote/.test(error.message)).toBe(true);
  });
});

describe("bad requests record nothing and run nothing", () => {
  it("answers each with a 4xx naming the field", async () => {
    const before = recorded();
    const submit = (json: unknown) => d.call("POST", "/v1/campaigns", { json });
    await refused(await d.call("POST", "/v1/campaigns", { body: "{\"spec\": ", headers: { "content-type": "application/json" } }), 400, "REQUEST_INVALID", "body", /does not parse as JSON/);
    await refused(await d.call("POST", "/v1/campaigns", { body: "spec=x", headers: { "content-type": "text/plain" } }), 415, "REQUEST_INVALID", "content-type", /text\/plain/);
    await refused(await submit({ ...valid, extra: 1 }), 400, "REQUEST_INVALID", "body", /unknown field\(s\) "extra"/);
    await refused(await submit({ ...valid, spec: { path: "pnpoly.json", branch: "x" } }), 400, "REQUEST_INVALID", "spec", /unknown field\(s\) "branch"/);
    await refused(await submit({ ...valid, spec: {} }), 400, "REQUEST_INVALID", "spec", /\{\}/);
    await refused(await submit({ ...valid, budget: "ten" }), 400, "REQUEST_INVALID", "budget", /"ten"/);
    await refused(await submit({ ...valid, budget: 0 }), 400, "REQUEST_INVALID", "budget", /^0$/);
    await refused(await submit({ ...valid, priority: 11 }), 400, "REQUEST_INVALID", "priority", /^11$/);
    await refused(await submit({ spec: valid.spec, budget: 3 }), 400, "REQUEST_INVALID", "devices", /nothing/);
    await refused(await submit({ ...valid, devices: ["h100-somewhere"] }), 400, "REQUEST_INVALID", "devices[0]", /"h100-somewhere"/);
    await refused(await submit({ ...valid, strategy: "annealing" }), 400, "STRATEGY_UNKNOWN", "strategy", /"annealing"/);
    await refused(await submit({ ...valid, model: "openai:gpt-4o" }), 400, "REQUEST_INVALID", "model", /openai:gpt-4o/);
    await refused(await d.call("GET", "/v1/campaigns/c-zzzz"), 400, "REQUEST_INVALID", "params.id", /c-zzzz/);
    await refused(await d.call("GET", "/v1/campaigns/c-0123abcd"), 404, "CAMPAIGN_NOT_FOUND", "id");
    await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, pad: "x".repeat(300 * 1024) } }), 413, "REQUEST_TOO_LARGE", "body");
    expect(recorded()).toEqual(before);
  });

  it("refuses spec and prior paths outside the spec roots: '..', absolute, hidden, through a link, into the daemon's own data", async () => {
    const before = recorded();
    const spec = (path: string) => d.call("POST", "/v1/campaigns", { json: { ...valid, spec: { path } } });
    await refused(await spec("../pnpoly.json"), 400, "REQUEST_INVALID", "spec.path", /"\.\.\/pnpoly\.json"/);
    await refused(await spec("t1/../../pnpoly.json"), 400, "REQUEST_INVALID", "spec.path", /\.\./);
    await refused(await spec("/etc/passwd"), 400, "REQUEST_INVALID", "spec.path", /"\/etc\/passwd"/);
    await refused(await spec("outside/passwd"), 400, "REQUEST_INVALID", "spec.path", /links outside/);
    await refused(await spec("linked.json"), 400, "REQUEST_INVALID", "spec.path", /links outside/);
    await refused(await spec(".hidden"), 400, "REQUEST_INVALID", "spec.path", /\.hidden/);
    await refused(await spec("store-daemon/uploads"), 400, "REQUEST_INVALID", "spec.path", /links outside/);
    await refused(await spec("missing.json"), 400, "REQUEST_INVALID", "spec.path", /none of them has/);
    await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, priors: ["pnpoly.json", "../x.json"] } }), 400, "REQUEST_INVALID", "priors[1]", /\.\./);
    expect(recorded()).toEqual(before);
  });

  it("refuses shell metacharacters in every field, key, query value and file name", async () => {
    const before = recorded();
    for (const evil of ["a;b", "$(id)", "`id`", "a|b", "a&b", "a b", "a>b", "a\nb", "'", '"', "a\\b", "~root", "*"]) {
      await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, devices: [evil] } }), 400, "REQUEST_INVALID", "devices[0]", /.+/);
      await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, strategy: evil } }), 400, "REQUEST_INVALID", "strategy");
      await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, spec: { path: `pnpoly${evil}.json` } } }), 400, "REQUEST_INVALID", "spec.path");
      await refused(await d.call("POST", "/v1/campaigns", { json: { ...valid, [`x${evil}`]: 1 } }), 400, "REQUEST_INVALID", JSON.stringify(`x${evil}`));
      await refused(await d.call("POST", "/v1/specs", { json: { files: { [`k${evil}.json`]: "{}" } } }), 400, "REQUEST_INVALID", `files.${JSON.stringify(`k${evil}.json`)}`);
      await refused(await d.call("POST", `/v1/devices/check?device=${encodeURIComponent(evil)}`), 400, "REQUEST_INVALID", "query.device");
    }
    expect(recorded()).toEqual(before);
  });

  it("refuses tarballs that leave the upload, hold links or devices, are too large, or are no tarballs", async () => {
    const before = recorded();
    const upload = (body: Buffer, type = "application/x-tar") => d.call("POST", "/v1/specs", { body: new Blob([new Uint8Array(body)]), headers: { "content-type": type } });
    const t1 = '{"ConfigurationSpace": {}}';
    await refused(await upload(tarOf([{ path: "../escape.json", body: t1 }])), 400, "UPLOAD_INVALID", /escape\.json/, /\.\./);
    await refused(await upload(tarOf([{ path: "spec/../../escape.json", body: t1 }])), 400, "UPLOAD_INVALID", /escape/);
    await refused(await upload(tarOf([{ path: "/tmp/escape.json", body: t1 }])), 400, "UPLOAD_INVALID", /escape/, /absolute/);
    await refused(await upload(gzipSync(tarOf([{ path: "kernel.json", body: "{}" }, { path: "link", type: "SymbolicLink", linkpath: "/etc/passwd" }])), "application/gzip"), 400, "UPLOAD_INVALID", /link/, /SymbolicLink to "\/etc\/passwd"/);
    await refused(await upload(tarOf([{ path: "kernel.json", body: "{}" }, { path: "hard", type: "Link", linkpath: "/etc/shadow" }])), 400, "UPLOAD_INVALID", /hard/, /Link/);
    await refused(await upload(tarOf([{ path: "fifo", type: "FIFO" }])), 400, "UPLOAD_INVALID", /fifo/, /FIFO/);
    await refused(await upload(tarOf([{ path: ".hidden.json", body: t1 }])), 400, "UPLOAD_INVALID", /hidden/);
    await refused(await upload(Buffer.from("this is not a tarball at all ".repeat(40))), 400, "UPLOAD_INVALID", "body", /not one/);
    await refused(await upload(Buffer.alloc(70 * 1024, 1)), 413, "REQUEST_TOO_LARGE", "body");
    // Small on the wire, large unpacked: stopped at the limit while it streams in.
    await refused(await upload(gzipSync(tarOf([{ path: "big.json", body: "x".repeat(300 * 1024) }])), "application/gzip"), 400, "UPLOAD_INVALID", "body", /unpacked/);
    await refused(await d.call("POST", "/v1/specs", { json: { files: { "../kernel.json": "{}" } } }), 400, "UPLOAD_INVALID", 'files."../kernel.json"', /\.\./);
    await refused(await d.call("POST", "/v1/specs", { json: { files: { "a.c": "int x;" } } }), 400, "UPLOAD_INVALID", "body", /1 files/);
    expect(recorded()).toEqual(before);
    expect(existsSync(join(root, "escape.json")) || existsSync("/tmp/escape.json")).toBe(false);
  });

  it("runs an uploaded spec on replay devices only, never where its code would run outside the sandbox", async () => {
    const before = recorded();
    const text = readFileSync(join(root, "pnpoly.json"), "utf8");
    const stored = await d.call("POST", "/v1/specs", { body: new Blob([new Uint8Array(gzipSync(tarOf([{ path: "pnpoly/pnpoly.json", body: text }])))]), headers: { "content-type": "application/gzip" } });
    expect(stored.status).toBe(201);
    const { upload, files } = await stored.json();
    expect(files).toEqual(["pnpoly.json"]);
    // The same content uploaded as JSON files is the same upload.
    expect((await d.json("POST", "/v1/specs", { files: { "pnpoly.json": text } })).upload).toBe(upload);
    await refused(await d.call("POST", "/v1/campaigns", { json: { spec: { upload }, devices: [REPLAY_DEVICE, "test-local"], budget: 3 } }), 422, "SANDBOX_REQUIRED", "devices[1]", /test-local.*local/);
    await refused(await d.call("POST", "/v1/campaigns", { json: { spec: { upload: "u-0000000000000000" }, devices: [REPLAY_DEVICE] } }), 400, "REQUEST_INVALID", "spec.upload");
    expect(recorded()).toEqual({ ...before, uploads: [upload] });
    const queued = await d.json("POST", "/v1/campaigns", { spec: { upload }, devices: [REPLAY_DEVICE], budget: 3 });
    expect(queued).toMatchObject({ state: "queued", uploaded: true });
    // Nothing ever ran on the local device: its lane was never even made.
    expect((await d.json("GET", "/v1/devices")).find((v: { name: string }) => v.name === "test-local").lane).toBeNull();
  });
});

describe("rate limits", () => {
  it("answers 429 with the one error shape once a client sends too many requests", async () => {
    const limited = await startTestDaemon({ dbPath: join(tempDir("nightshift-limited-"), "store.db"), rateLimitPerMinute: 5 });
    try {
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await limited.call("GET", "/healthz", { token: null }));
      expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      await refused(answers[5]!, 429, "RATE_LIMITED", "request", /retry in/);
      expect(answers[6]!.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await limited.stop();
    }
  });
});
