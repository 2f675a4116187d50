// The proof step of the critic: before a variant becomes incumbent (and so a parent), its evidence level is
// settled. A variant the proof refutes is rejected, its counterexample replayed through the harness on the
// device so the difference is measured evidence too; one it cannot prove is accepted as tested or sanitized,
// unless the campaign requires proofs or the variant is a model's rewrite, whose code nobody reviewed.
//
// Proofs are of the source, not of a device: one verdict per variant and campaign, kept in the store so a
// resumed critic reaches the same decision without proving again.

import { sleep } from "../core/sleep.ts";
import { failureMessage } from "../harness/failure-message.ts";
import type { EvalResult, GivenInputs, Variant } from "../harness/types.ts";
import { buildFlags, proveInSandbox } from "../proofs/index.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import { evidenceOf, proofSummary } from "../results/evidence.ts";
import type { EvaluationRecord, EvidenceLevel, ProofSummary } from "../results/types.ts";
import type { CampaignContext } from "./context.ts";
import type { FailureOutcome } from "./ledger.ts";
import { runAndCommit } from "./profiler.ts";

/** "on": prove every would-be incumbent; "required": only proved variants are accepted; "off": no proofs. */
export type ProofPolicy = "off" | "on" | "required";

export type Gate =
  | { pass: true; evidence: EvidenceLevel; proof?: ProofSummary }
  | { pass: false; verdict: string; failure?: FailureOutcome };

type OkRecord = EvaluationRecord & { result: Extract<EvalResult, { status: "ok" }> };

/** What the harness alone established about an ok result. */
const testedLevel = (result: OkRecord["result"]): EvidenceLevel =>
  evidenceOf({ replayed: result.verification.replayed === true, sanitized: result.verification.sanitized === true }, undefined);

/** Proofs under way, so two devices considering the same variant share one proof. */
const inFlight = new Map<string, Promise<ProofVerdict>>();

async function proofOf(ctx: CampaignContext, device: string, variant: Variant): Promise<ProofVerdict> {
  const stored = ctx.store.proofs(ctx.campaignId).find((p) => p.variantHash === variant.hash);
  if (stored) return stored.verdict;
  const key = `${ctx.campaignId}:${variant.hash}`;
  let running = inFlight.get(key);
  if (!running) {
    const arch = ctx.devices.get(device)?.profile.gpu?.arch;
    running = proveWithRetries(ctx, device, variant, arch).then((verdict) => {
      // A verdict that says nothing about the variant (no sandbox here, a tool that failed) is tried again later.
      if (!(verdict.status === "unproven" && verdict.transient)) ctx.store.appendProof(ctx.campaignId, variant.hash, verdict);
      const summary = proofSummary(verdict);
      ctx.emit({ type: "proof", device, variantHash: variant.hash, status: verdict.status, sizes: summary.sizes?.length ?? 0, reason: summary.reason ?? null });
      return verdict;
    });
    inFlight.set(key, running);
    void running.finally(() => inFlight.delete(key)).catch(() => undefined);
  }
  return running;
}

/**
 * A verdict that says nothing about the variant (the sandbox could not start, its tools could not be built)
 * is tried again after the campaign's infrastructure retry delays, as a failed run would be: a model's
 * rewrite is accepted only when proved, so a passing hiccup of the machine must not turn it away.
 */
async function proveWithRetries(ctx: CampaignContext, device: string, variant: Variant, arch: string | undefined): Promise<ProofVerdict> {
  const request = { spec: ctx.spec, params: variant.params, variantSource: variant.source };
  const options = { ...(ctx.settings.unsandboxed ? { unsandboxed: true } : {}), ...(arch ? { cudaArch: arch } : {}) };
  for (let attempt = 0; ; attempt++) {
    const verdict = await proveInSandbox(request, {}, options);
    const delay = ctx.settings.retryDelaysMs[attempt];
    if (!(verdict.status === "unproven" && verdict.transient) || delay === undefined || ctx.signal?.aborted) return verdict;
    ctx.emit({ type: "note", device, message: `proof of ${variant.hash} not run (${verdict.reason}); trying again in ${delay} ms` });
    await sleep(delay);
  }
}

/**
 * Runs the variant on the counterexample's inputs, once per campaign and device (a resumed critic reuses
 * the committed run), so the report shows the harness's own verdict on the difference the proof found.
 */
async function replayCounterexample(ctx: CampaignContext, device: string, variant: Variant, inputs: GivenInputs): Promise<EvalResult> {
  const earlier = ctx.store.evaluations(ctx.campaignId, { device, purpose: "confirm" }).find((e) => e.variantHash === variant.hash && e.result.givenInputs !== undefined);
  if (earlier) return earlier.result;
  return (await runAndCommit(ctx, device, [variant], "confirm", { inputs }))[0]!;
}

/**
 * The proof preprocesses the variant with this machine's compiler. A build for "native" on another host may
 * see other predefined macros (__AVX512F__, say) and so compile other code than was proved: there a proof
 * is not claimed. (CUDA is proved for the device's own architecture; a local device builds here.)
 */
function hostTargetCaveat(ctx: CampaignContext, device: string, variant: Variant, verdict: ProofVerdict): ProofVerdict {
  const reach = ctx.devices.get(device)?.profile.reach.via;
  if (verdict.status !== "proved" || reach === "local" || ctx.spec.language === "cuda") return verdict;
  const native = buildFlags(ctx.spec, variant.params).find((f) => /^-m(arch|tune|cpu)=native$/.test(f));
  if (!native) return verdict;
  return { status: "unproven", reason: `proved for this machine's compiler target, but ${device} builds with ${native} on its own host, whose predefined macros may select other code`, ms: verdict.ms };
}

/** Decides whether `record` may become the device's incumbent, and with what evidence. */
export async function gateAcceptance(ctx: CampaignContext, device: string, record: OkRecord, variant: Variant): Promise<Gate> {
  const tested = testedLevel(record.result);
  const policy = ctx.settings.proofs ?? "off";
  // Replayed results were judged when they were recorded; there is nothing here to prove them against.
  if (policy === "off" || tested === "recorded") return { pass: true, evidence: tested };
  const verdict = hostTargetCaveat(ctx, device, variant, await proofOf(ctx, device, variant));
  const proof = proofSummary(verdict);
  if (verdict.status === "proved") return { pass: true, evidence: "proved", proof };
  if (verdict.status === "refuted") {
    const replay = await replayCounterexample(ctx, device, variant, { size: verdict.size, values: verdict.counterexample });
    const harness = replay.status === "ok" ? "the harness's tolerance accepts the difference on those inputs" : `the harness on those inputs: ${failureMessage(replay)}`;
    const message = `refuted by the proof ${proof.reason}; ${harness}`;
    return { pass: false, verdict: `rejected ${variant.hash}: ${message}`, failure: { variantHash: variant.hash, params: variant.params, status: "wrong_result", message } };
  }
  if (policy === "required") return { pass: false, verdict: `not accepted ${variant.hash}: the campaign requires a proof and none was found (${proof.reason})` };
  if (variant.origin === "model") return { pass: false, verdict: `not accepted ${variant.hash}: a model's rewrite becomes a parent only once proved, and this one is unproven (${proof.reason})` };
  return { pass: true, evidence: tested, proof };
}
