// The default diagnosis: one bottleneck per round, from rules over the roofline position, compiler
// statistics and occupancy of the incumbent, and the failure mix of the round. It advises the planner;
// it never changes a verdict.

import type { CriticPolicy, DiagnoseInput } from "./types.ts";

const pct = (x: number): string => `${Math.round(x * 100)}%`;

export class RuleCritic implements CriticPolicy {
  readonly name = "rules";

  async diagnose(input: DiagnoseInput): Promise<string | null> {
    const failed = input.round.filter((r) => r.status !== "ok" && r.status !== "infra_error");
    if (input.round.length >= 2 && failed.length * 2 > input.round.length) {
      const kinds = [...new Set(failed.map((r) => r.status))].join(", ");
      return `most variants of this round failed (${failed.length}/${input.round.length}: ${kinds}); stay closer to the verified incumbent`;
    }
    const inc = input.incumbent;
    if (!inc) return null;
    const stats = inc.compile;
    if (stats?.spillStoreBytes || stats?.spillLoadBytes) {
      return `register spills (${stats.spillStoreBytes ?? 0} B stored, ${stats.spillLoadBytes ?? 0} B loaded per thread): reduce per-thread work or unrolling`;
    }
    if (inc.occupancy && inc.occupancy.theoretical < 0.5) {
      return `occupancy ${pct(inc.occupancy.theoretical)} limited by ${inc.occupancy.limitedBy.replace("_", " ")}: fewer ${inc.occupancy.limitedBy === "registers" ? "registers per thread" : inc.occupancy.limitedBy === "shared_memory" ? "bytes of shared memory per block" : "resources per block"} would let more blocks run`;
    }
    const roof = inc.roofline;
    if (roof) {
      const near = inc.medianMs > 0 ? roof.floorMs / inc.medianMs : 0;
      if (near >= 0.8) return `within ${pct(1 - near)} of the roofline floor (${roof.floorMs.toFixed(4)} ms): little left to gain`;
      if (Math.max(roof.bandwidthFraction, roof.computeFraction) < 0.05) {
        return `far below both roofs (${pct(roof.bandwidthFraction)} of peak bandwidth, ${pct(roof.computeFraction)} of peak compute): latency, loop overhead or poor locality dominate, not throughput`;
      }
      if (roof.bandwidthFraction >= roof.computeFraction) {
        return `memory-bound: ${pct(roof.bandwidthFraction)} of peak bandwidth, ${pct(roof.computeFraction)} of peak compute; improve data reuse (tiling, blocking) or access contiguity`;
      }
      return `compute-bound: ${pct(roof.computeFraction)} of peak compute, ${pct(roof.bandwidthFraction)} of peak bandwidth; vectorise or increase instruction-level parallelism`;
    }
    if (stats?.objectBytes !== undefined) return `no roofline data; the incumbent's object is ${stats.objectBytes} bytes`;
    return null;
  }
}
