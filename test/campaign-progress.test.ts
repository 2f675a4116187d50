import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, progressLine } from "../cli/progress.ts";
import type { Incumbent } from "../results/types.ts";

/** A stream that says it is a terminal and keeps what was written. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += chunk.toString()), done()) }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 200 });
  return { stream, text: () => text };
}

const incumbent = (medianMs: number): Incumbent => ({ device: "local", variantHash: "abc", params: { X: 1 }, family: "template", medianMs, ci95Ms: [medianMs, medianMs] });

describe("live progress on a terminal", () => {
  it("shows evaluations against the budget, the best and its speedup, the ETA and failures by kind", () => {
    const line = progressLine("local", { explored: 7, exploredAtStart: 2, baselineMs: 10, bestMs: 2.5, failures: { compile_error: 2, timeout: 1 }, stopped: null }, 12, 50_000);
    // 5 evaluations in 50 s this session, 5 left: about 50 s to go.
    expect(line).toBe("local 7/12 | best 2.5000 ms (4.00x) | ETA 50s | failed: compile_error 2, timeout 1");
  });

  it("redraws its lines in place as evaluations arrive, and keeps the last frame when finished", () => {
    const { stream, text } = terminal();
    const progress = createProgress(stream);
    progress.onEvent({ type: "started", campaignId: "c-1", budget: 4, devices: [{ device: "local", explored: 1, baselineMs: 10, bestMs: 10, failures: {} }] });
    progress.onEvent({ type: "evaluation", device: "local", purpose: "explore", variantHash: "h2", params: { X: 2 }, status: "compile_error", medianMs: null, message: "compile error", buildMs: 1 });
    progress.onEvent({ type: "accepted", device: "local", incumbent: incumbent(5), speedup: 2, reason: "accepted" });
    progress.onEvent({ type: "device_stopped", device: "local", reason: "budget" });
    progress.finish();
    const frames = text().split("\x1b[2K").filter(Boolean);
    expect(frames[0]).toContain("local 1/4 | best 10.0000 ms (1.00x)");
    expect(text()).toContain("\x1b[1F");
    expect(frames.at(-1)).toBe("local 2/4 | best 5.0000 ms (2.00x) | stopped: budget | failed: compile_error 1\n");
    const before = text();
    progress.onEvent({ type: "evaluation", device: "local", purpose: "confirm", variantHash: "h3", params: { X: 3 }, status: "ok", medianMs: 4, message: "ok", buildMs: 1 });
    expect(text()).toBe(before);
  });
});
