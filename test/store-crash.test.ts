import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import { configFor, writeSpecFolder } from "./store-fixtures.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-crash-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const repo = resolve(import.meta.dirname, "..");
const url = (file: string): string => pathToFileURL(join(repo, file)).href;

// The writer prints each evaluation id only after appendEvaluation returned, i.e. after the commit.
const WRITER = `
import { openStore } from ${JSON.stringify(url("results/store.ts"))};
import { loadSpec } from ${JSON.stringify(url("specs/load.ts"))};
import { okResult, variantOf } from ${JSON.stringify(url("test/store-fixtures.ts"))};
const [dbPath, specDir, campaignId] = process.argv.slice(2);
const spec = loadSpec(specDir);
const store = openStore(dbPath);
const unrolls = [1, 2, 4, 8];
for (let i = 0; ; i++) {
  const v = variantOf(spec, { UNROLL: unrolls[i % 4], BLOCK: 16 });
  const samples = Array.from({ length: 50 }, (_, k) => 1 + i + k / 1000);
  const record = store.appendEvaluation(campaignId, v, okResult(v, "cpu-a", samples), "explore");
  process.stdout.write(record.id + "\\n");
}
`;

it("a writer killed with SIGKILL mid-campaign leaves a readable database with every committed row intact", async () => {
  const spec = writeSpecFolder(join(dir, "vadd"));
  const dbPath = join(dir, "crash.db");
  const setup = openStore(dbPath);
  const campaign = setup.createCampaign(configFor(spec, ["cpu-a"]), []);
  setup.close();
  const script = join(dir, "writer.ts");
  writeFileSync(script, WRITER);

  const child = spawn(process.execPath, ["--import", "tsx", script, dbPath, spec.dir, campaign.id], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const committed: number[] = [];
  let buffered = "";
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, signal) => done(signal)));
  await new Promise<void>((enough, failed) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      committed.push(...lines.map(Number));
      // Killing while the writer is busy appending means some transaction is in flight.
      if (committed.length >= 200) enough();
    });
    child.on("exit", () => failed(new Error(`writer exited early: ${stderr}`)));
  });
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");

  const store = openStore(dbPath);
  const rows = store.evaluations(campaign.id);
  const ids = new Set(rows.map((r) => r.id));
  for (const id of committed) expect(ids.has(id)).toBe(true);
  // Rows are whole: every one parses back into a result with its 50 raw samples.
  for (const row of rows) {
    expect(row.result.status).toBe("ok");
    expect(row.result.status === "ok" && row.result.samplesMs.length).toBe(50);
    expect(row.medianMs).not.toBeNull();
  }
  const last = rows[rows.length - 1]!;
  expect(last.id).toBeGreaterThanOrEqual(committed[committed.length - 1]!);
  // The store stays writable after the crash.
  store.setCampaignState(campaign.id, "failed", "interrupted");
  expect(store.getCampaign(campaign.id)!.stopReason).toBe("interrupted");
  store.close();
});
