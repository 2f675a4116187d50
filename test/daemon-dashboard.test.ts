// The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core): nothing is
// readable before a token is entered, a wrong token is refused, and with the read token a running campaign's
// convergence plot grows as evaluations stream in. NIGHTSHIFT_WRITE_SCREENSHOT=1 refreshes docs/dashboard.png.

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PNPOLY_SPEC, REPLAY_DEVICE, ROOT, startTestDaemon, waitForState, type TestDaemon } from "./support/daemon.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = process.env.NIGHTSHIFT_WRITE_SCREENSHOT === "1" ? join(ROOT, "docs", "dashboard.png") : join(mkdtempSync(join(tmpdir(), "nightshift-shot-")), "dashboard.png");

let d: TestDaemon;
let browser: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  d = await startTestDaemon();
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "nightshift-chromium-")), {
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
});
afterAll(async () => {
  await browser?.close();
  await d?.stop();
});

describe.skipIf(!existsSync(CHROMIUM))(`the dashboard in Chromium${existsSync(CHROMIUM) ? "" : ` (skipped: no ${CHROMIUM})`}`, () => {
  it("shows nothing without a token, refuses a wrong one, and with the read token watches a running campaign's plot grow", async () => {
    const { id } = await d.json("POST", "/v1/campaigns", { spec: { path: PNPOLY_SPEC }, devices: [REPLAY_DEVICE], budget: 500, batch: 1, seed: 2 });
    await waitForState(d, id, ["running"]);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && !m.text().includes("401") && errors.push(m.text()));
    await page.goto(d.url);

    expect(await page.isVisible("#login")).toBe(true);
    expect(await page.isVisible("#dashboard")).toBe(false);
    // The page itself holds no data, and the API gives none without the token.
    expect(await page.content()).not.toContain(id);
    expect(await page.evaluate(async () => (await fetch("/v1/campaigns")).status)).toBe(401);

    await page.fill("#token", `${d.read}x`);
    await page.click("#login-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("login-error")!.textContent!.includes("does not know"));
    expect(await page.isVisible("#dashboard")).toBe(false);

    await page.fill("#token", d.read);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector(`#campaigns tr[data-id="${id}"]`);
    await page.waitForSelector(`section.device[data-device="${REPLAY_DEVICE}"] svg.plot`);
    await page.waitForSelector("#connection.live");
    const explored = () => page.getAttribute("svg.plot", "data-explored").then(Number);
    const first = await explored();
    // Each step is the page redrawing the plot from the event stream, while the campaign runs.
    await page.waitForFunction((n) => Number(document.querySelector("svg.plot")!.getAttribute("data-explored")) > n, first, { timeout: 120_000 });
    const second = await explored();
    await page.waitForFunction((n) => Number(document.querySelector("svg.plot")!.getAttribute("data-explored")) > n, second, { timeout: 120_000 });
    expect(await explored()).toBeGreaterThan(second);
    expect((await d.json("GET", `/v1/campaigns/${id}`)).state).toBe("running");
    await page.waitForSelector("dl.best-variant");
    expect(await page.textContent("dl.best-variant")).toMatch(/median \(95% CI\).*ms/s);
    expect(await page.isVisible("text=The critic's ledger")).toBe(true);
    expect(await page.isVisible("text=cn_pnpoly_report.md")).toBe(true);
    await page.screenshot({ path: SCREENSHOT });

    // The token lives in this browser session: a reload stays logged in.
    await page.reload();
    await page.waitForSelector(`#campaigns tr[data-id="${id}"]`);
    expect(errors).toEqual([]);
    await d.json("POST", `/v1/campaigns/${id}/cancel`);
  }, 300_000);
});
