// The daemon's API over real HTTP on loopback: a campaign submitted, its events streamed, paused, resumed,
// cancelled, its report downloaded; the published OpenAPI document matching the routes the daemon serves.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DaemonClient, type StreamEvent } from "../cli/daemon-client.ts";
import { openStore } from "../results/store.ts";
import { OPENAPI_FILE, openApiText } from "../server/openapi.ts";
import { API_ROUTES } from "../server/routes/index.ts";
import { PNPOLY_SPEC, REPLAY_DEVICE, startTestDaemon, waitForState, type TestDaemon } from "./support/daemon.ts";

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await d?.stop();
});

const submit = (body: Record<string, unknown>) => d.json("POST", "/v1/campaigns", { spec: { path: PNPOLY_SPEC }, devices: [REPLAY_DEVICE], seed: 3, ...body });

/** Explore evaluations that count against the budget, from the store itself. */
function counted(id: string): string[] {
  const store = openStore(d.daemon.dbPath, { mustExist: true });
  try {
    return store.evaluations(id, { purpose: "explore" }).filter((e) => e.status !== "infra_error").map((e) => e.variantHash);
  } finally {
    store.close();
  }
}

describe("a campaign through the daemon's API", () => {
  it("is queued on submit, streams its events to the end, and spends exactly its budget", async () => {
    const controller = new AbortController();
    const client = new DaemonClient(d.url, d.read);
    const stream = client.events("/v1/events", controller.signal);
    const seen: StreamEvent[] = [];
    const first = stream.next();
    const row = await submit({ budget: 25 });
    expect(row).toMatchObject({ state: "queued", devices: [REPLAY_DEVICE], budget: 25, priority: 5 });
    for (let next = await first; !next.done; next = await stream.next()) {
      if (next.value.data.campaignId !== row.id) continue;
      seen.push(next.value);
      if (next.value.type === "state" && ["finished", "failed"].includes(String(next.value.data.state))) break;
    }
    controller.abort();
    await stream.return(undefined);

    const states = seen.filter((e) => e.type === "state").map((e) => e.data.state);
    expect(states).toEqual(["queued", "running", "finished"]);
    expect(seen.some((e) => e.type === "started")).toBe(true);
    const explored = seen.filter((e) => e.type === "evaluation" && e.data.purpose === "explore" && e.data.status !== "infra_error");
    expect(explored).toHaveLength(25);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);

    const detail = await d.json("GET", `/v1/campaigns/${row.id}`);
    expect(detail).toMatchObject({ state: "finished", stopReason: "budget", evaluations: 25 });
    const device = detail.perDevice[0];
    expect(device.best.verdict).toMatch(/accepted|first verified/);
    expect(device.best.verified).toBe(false);
    expect(device.best.ci95Ms[0]).toBeLessThanOrEqual(device.best.medianMs);
    expect(counted(row.id)).toHaveLength(25);
    const rows = await d.json("GET", `/v1/campaigns/${row.id}/evaluations`);
    expect(rows.filter((r: { purpose: string; status: string }) => r.purpose === "explore" && r.status !== "infra_error")).toHaveLength(25);
    const after = await d.json("GET", `/v1/campaigns/${row.id}/evaluations?after=${rows[9].id}&limit=5`);
    expect(after.map((r: { id: number }) => r.id)).toEqual(rows.slice(10, 15).map((r: { id: number }) => r.id));
    const convergence = await d.json("GET", `/v1/campaigns/${row.id}/convergence`);
    expect(convergence[REPLAY_DEVICE]).toHaveLength(25);
  });

  it("downloads the report, the SVG plot and the dispatch files the report command writes", async () => {
    const row = await submit({ budget: 8 });
    await waitForState(d, row.id, ["finished"]);
    const { files } = await d.json("GET", `/v1/campaigns/${row.id}/report`);
    expect(files.map((f: { name: string }) => f.name).sort()).toEqual(["cn_pnpoly_convergence.svg", "cn_pnpoly_dispatch.h", "cn_pnpoly_dispatch.json", "cn_pnpoly_report.md"]);
    const markdown = await d.call("GET", `/v1/campaigns/${row.id}/report/cn_pnpoly_report.md`, { token: d.read });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get("content-disposition")).toContain("attachment");
    expect(await markdown.text()).toContain(`# Campaign ${row.id}: cn_pnpoly`);
    const svg = await d.call("GET", `/v1/campaigns/${row.id}/report/cn_pnpoly_convergence.svg`);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await svg.text()).toMatch(/^<svg/);
    const header = await d.call("GET", `/v1/campaigns/${row.id}/report/cn_pnpoly_dispatch.h`);
    expect(await header.text()).toContain(`campaign ${row.id}`);
    const json = await d.json("GET", `/v1/campaigns/${row.id}/report/cn_pnpoly_dispatch.json`);
    expect(json).toBeTypeOf("object");
  });

  it("pauses a running campaign, resumes it where it stopped, and it still spends exactly its budget", async () => {
    const row = await submit({ budget: 150, batch: 1 });
    await waitForState(d, row.id, ["running"]);
    const paused = await d.json("POST", `/v1/campaigns/${row.id}/pause`);
    expect(paused.state).toBe("paused");
    // Once stopped it stays still: nothing is evaluated while paused.
    const { waitFor } = await import("../testbed/procs.ts");
    let before = -1;
    await waitFor(async () => {
      const now = counted(row.id).length;
      const still = now === before;
      before = now;
      return still;
    }, 60_000, "the paused campaign to stop evaluating");
    expect(before).toBeLessThan(150);
    expect((await d.json("GET", `/v1/campaigns/${row.id}`)).state).toBe("paused");
    expect((await d.json("POST", `/v1/campaigns/${row.id}/resume`)).state).toBe("queued");
    const done = await waitForState(d, row.id, ["finished"], 240_000);
    expect(done.evaluations).toBe(150);
    const hashes = counted(row.id);
    expect(hashes).toHaveLength(150);
    expect(new Set(hashes).size).toBe(150);
  });

  it("cancels a campaign for good: it stops, the store calls it finished, and it cannot be resumed", async () => {
    const row = await submit({ budget: 150, batch: 1 });
    await waitForState(d, row.id, ["running"]);
    expect((await d.json("POST", `/v1/campaigns/${row.id}/cancel`)).state).toBe("cancelled");
    const { waitFor } = await import("../testbed/procs.ts");
    await waitFor(async () => (await d.json("GET", `/v1/campaigns/${row.id}`)).storeState === "finished", 60_000, "the store to record the cancel");
    const resume = await d.call("POST", `/v1/campaigns/${row.id}/resume`);
    expect(resume.status).toBe(409);
    expect((await resume.json()).error).toMatchObject({ code: "CAMPAIGN_STATE", field: "id" });
    expect(counted(row.id).length).toBeLessThan(150);
  });

  it("queues by priority when every run slot is taken", async () => {
    const busy = await startTestDaemon({ maxRunning: 1 });
    try {
      const spec = { spec: { path: PNPOLY_SPEC }, devices: [REPLAY_DEVICE] };
      // The only run slot stays taken until both others wait in the queue.
      const first = await busy.json("POST", "/v1/campaigns", { ...spec, budget: 400 });
      await waitForState(busy, first.id, ["running"]);
      const low = await busy.json("POST", "/v1/campaigns", { ...spec, budget: 5, priority: 1 });
      const high = await busy.json("POST", "/v1/campaigns", { ...spec, budget: 5, priority: 9 });
      expect((await busy.json("GET", `/v1/campaigns/${low.id}`)).state).toBe("queued");
      await busy.json("POST", `/v1/campaigns/${first.id}/cancel`);
      await waitForState(busy, low.id, ["finished"]);
      const rows = await Promise.all([high, low].map((r) => busy.json("GET", `/v1/campaigns/${r.id}`)));
      expect(rows.map((r) => r.state)).toEqual(["finished", "finished"]);
      // The high-priority campaign, submitted last, ran (and finished) before the low one.
      expect(rows[0].updatedAt < rows[1].updatedAt).toBe(true);
    } finally {
      await busy.stop();
    }
  });
});

describe("operations", () => {
  it("answers the health check without a token, and metrics only with one", async () => {
    const health = await d.call("GET", "/healthz", { token: null });
    expect(await health.json()).toEqual({ status: "ok" });
    expect(health.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await d.call("GET", "/metrics", { token: null })).status).toBe(401);
    const metrics = await (await d.call("GET", "/metrics", { token: d.read })).text();
    expect(metrics).toMatch(/^nightshift_queue_length \d+$/m);
    expect(metrics).toMatch(new RegExp(`^nightshift_evaluations_total\\{device="${REPLAY_DEVICE}",status="ok"\\} \\d+$`, "m"));
    expect(metrics).toMatch(new RegExp(`^nightshift_evaluations_per_minute\\{device="${REPLAY_DEVICE}"\\} \\d+$`, "m"));
  });

  it("lists its devices with their health", async () => {
    const devices = await d.json("GET", "/v1/devices");
    expect(devices).toEqual([expect.objectContaining({ name: REPLAY_DEVICE, via: "replay", check: null })]);
    const checked = await d.json("POST", "/v1/devices/check");
    expect(checked[0]).toMatchObject({ device: REPLAY_DEVICE, report: { reachable: true, ok: true } });
    expect((await d.json("GET", "/v1/devices"))[0].check.report).toMatchObject({ reachable: true });
  });
});

describe("the published OpenAPI document", () => {
  it("is committed exactly as the route table generates it, and served at /openapi.json", async () => {
    expect(readFileSync(OPENAPI_FILE, "utf8"), "docs/openapi.json is stale: npx tsx server/openapi.ts --write").toBe(openApiText());
    expect(await d.json("GET", "/openapi.json")).toEqual(JSON.parse(openApiText()));
  });

  it("documents every API route the daemon serves, with its access, and the daemon serves every documented one", async () => {
    const doc = JSON.parse(openApiText()) as { paths: Record<string, Record<string, { "x-nightshift-access": string }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const route of API_ROUTES) {
      const path = route.url.replace(/:([A-Za-z]+)/g, "{$1}");
      expect(documented).toContain(`${route.method} ${path}`);
      expect(doc.paths[path]![route.method.toLowerCase()]!["x-nightshift-access"]).toBe(route.access);
    }
    expect(documented).toHaveLength(API_ROUTES.length + 1);
    // Every documented route exists: whatever it answers, it is never "no such route".
    for (const entry of documented) {
      const [method, path] = entry.split(" ") as [string, string];
      const response = await d.call(method, path.replace("{id}", "c-0123abcd").replace("{file}", "x.md"));
      const text = response.headers.get("content-type")?.includes("application/json") ? await response.text() : "";
      if (!text) await response.body?.cancel();
      expect(text, entry).not.toContain('"field":"url"');
    }
  });
});
