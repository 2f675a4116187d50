// Every model call is recorded (role, model, tokens, latency, cost estimate, ok/error) and charged
// against the campaign's model budget. Once the budget is spent no further call is made: the policies
// answer with their offline fallbacks for the rest of the campaign. The budget is the campaign's, not the
// process's: on a resume the calls the campaign already recorded are counted first, so a kill and a resume
// cannot spend it twice.

import type { ModelCallRecord, Store } from "../results/types.ts";
import { log } from "../core/log.ts";

export type Role = ModelCallRecord["role"];

/** Where call records go: the campaign's store in production, memory in tests. */
export interface ModelCallSink {
  append(call: ModelCallRecord): void;
}

export function storeSink(store: Pick<Store, "appendModelCall">): ModelCallSink {
  return { append: (call) => store.appendModelCall(call) };
}

export class MemorySink implements ModelCallSink {
  readonly calls: ModelCallRecord[] = [];
  append(call: ModelCallRecord): void {
    this.calls.push(call);
  }
}

export interface BudgetLimits {
  /** Estimated USD; null: no limit. */
  usd: number | null;
  /** Tokens in + out; null: no limit. */
  tokens: number | null;
}

export interface Spend {
  calls: number;
  failedCalls: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export class Accountant {
  private readonly spend: Spend = { calls: 0, failedCalls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 };
  private exhaustedLogged = false;
  private seeded: boolean;

  /**
   * `campaignId` may be a function: a campaign's id is known only once the store has created it.
   * `earlier` gives the calls the campaign recorded before this process (null while it cannot say yet).
   */
  constructor(
    private readonly campaignId: string | (() => string),
    private readonly sink: ModelCallSink,
    readonly limits: BudgetLimits,
    private readonly earlier?: () => readonly ModelCallRecord[] | null,
  ) {
    this.seeded = earlier === undefined;
  }

  record(call: Omit<ModelCallRecord, "campaignId">): void {
    // Seeded before the sink holds this call, so it is never counted twice.
    this.seed();
    this.add(call);
    this.sink.append({ campaignId: this.id(), ...call });
  }

  id(): string {
    return typeof this.campaignId === "function" ? this.campaignId() : this.campaignId;
  }

  /** True when the next call may be made; logs once when the budget runs out. */
  allows(): boolean {
    this.seed();
    const { usd, tokens } = this.limits;
    const spentTokens = this.spend.tokensIn + this.spend.tokensOut;
    const over = (usd !== null && this.spend.costUsd >= usd) || (tokens !== null && spentTokens >= tokens);
    if (over && !this.exhaustedLogged) {
      this.exhaustedLogged = true;
      log.warn(
        { costUsd: round(this.spend.costUsd), tokens: spentTokens, limitUsd: usd, limitTokens: tokens },
        "model budget spent: no further model calls, the campaign continues on the offline policies",
      );
    }
    return !over;
  }

  get exhausted(): boolean {
    return this.exhaustedLogged;
  }

  /**
   * The campaign's spend: this process's calls and those recorded before it, read at the first budget
   * check (not here: metrics are read after the campaign, when its store may be closed).
   */
  totals(): Readonly<Spend> {
    return { ...this.spend };
  }

  private add(call: Pick<ModelCallRecord, "ok" | "tokensIn" | "tokensOut" | "costUsd">): void {
    this.spend.calls++;
    if (!call.ok) this.spend.failedCalls++;
    this.spend.tokensIn += call.tokensIn;
    this.spend.tokensOut += call.tokensOut;
    this.spend.costUsd += call.costUsd;
  }

  /** Counts the earlier sessions' calls once, as soon as the campaign can name them. */
  private seed(): void {
    if (this.seeded) return;
    const calls = this.earlier?.() ?? null;
    if (calls === null) return;
    this.seeded = true;
    for (const call of calls) this.add(call);
  }
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
