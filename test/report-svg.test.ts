import { describe, expect, it } from "vitest";
import type { ConvergencePoint } from "../results/summary.ts";
import { convergenceSvg } from "../results/svg-convergence.ts";

const points = (values: Array<number | "compile_error" | "timeout">): ConvergencePoint[] => {
  let best: number | null = null;
  return values.map((v, i) => {
    if (typeof v === "number") best = best === null ? v : Math.min(best, v);
    return { index: i + 1, status: typeof v === "number" ? "ok" : v, valueMs: typeof v === "number" ? v : null, disqualified: false, bestMs: best };
  });
};

const tickLabels = (svg: string): string[] => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]!);

describe("convergenceSvg", () => {
  it("uses a log scale with 1-2-5 ticks when times span more than a decade", () => {
    const svg = convergenceSvg("wide", [{ device: "gpu", points: points([40, 12, "timeout", 3.1, 0.9, 0.85]) }]);
    expect(svg).toContain("median time (ms, log scale)");
    expect(tickLabels(svg)).toEqual(expect.arrayContaining(["1", "2", "5", "10", "20"]));
  });

  it("keeps a linear scale from zero for a narrow range", () => {
    const svg = convergenceSvg("narrow", [{ device: "cpu", points: points([4, 3, 2.5]) }]);
    expect(svg).toContain("median time (ms)");
    expect(svg).not.toContain("log scale");
    expect(tickLabels(svg)[0]).toBe("2");
  });

  it("draws one failure marker per failed evaluation, in that device's lane", () => {
    const svg = convergenceSvg("failures", [
      { device: "a", points: points([5, "compile_error", 4, "compile_error"]) },
      { device: "b", points: points(["timeout", 6]) },
    ]);
    expect(svg.match(/stroke="#1f77b4" stroke-width="1.8"/g)).toHaveLength(2);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="9" height="9" fill="none" stroke="#d62728"/g)).toHaveLength(1);
    expect(svg).toContain(">compile error<");
    expect(svg).toContain(">timeout<");
  });

  it("says so when nothing was verified yet, and escapes device names", () => {
    const svg = convergenceSvg("empty <spec>", [{ device: "a&b", points: points(["compile_error"]) }]);
    expect(svg).toContain("no verified measurement yet");
    expect(svg).toContain("empty &lt;spec&gt;");
    expect(svg).toContain(">a&amp;b<");
  });
});
