/**
 * Comparing results across the two worlds. What is comparable is the return value or
 * errno of each call; a successful KVM_CREATE_VCPU returns an fd whose number means
 * nothing to the model, so it is 0 in both worlds (the x86-caps vocabulary).
 */
import type { Execution } from "../kernel/rt/execution.js";
import type { Call, CallResult } from "../kernel/rt/trace.js";
import { history } from "../kernel/rt/trace.js";
import type { Threads } from "../targets/target.js";

export function comparableReturn(call: Call, r: number): number {
  return call.ioctl === "KVM_CREATE_VCPU" && r >= 0 ? 0 : r;
}

/** Each thread's results in call order (undefined where a call never returned). */
export function resultsByThread(threads: Threads, ex: Execution): (CallResult | undefined)[][] {
  const out = threads.map((calls) => new Array<CallResult | undefined>(calls.length).fill(undefined));
  for (const h of history(ex.events)) if (h.result) out[h.tid]![h.index] = h.result;
  return out;
}

/** The outcome of an execution as a key: every call's comparable return, thread by thread. */
export function outcomeKey(threads: Threads, ex: Execution): string {
  return resultsByThread(threads, ex)
    .map((rs, tid) => rs.map((res, k) => (res ? String(comparableReturn(threads[tid]![k]!, res.r)) : "—")).join(","))
    .join(" | ");
}
