/**
 * What a C reproducer needs from a counterexample, worked out once for both styles
 * (selftest.ts, standalone.ts): each call with the result the execution gave (the
 * buggy outcome), what the reference model documents for it, the choice points the
 * model took inside it, and the order constraints that steer a real kernel towards
 * the same interleaving.
 */
import { runSequential } from "../../../model/reference.js";
import type { Counterexample } from "../../explore/counterexample.js";
import type { Call, CallResult, HistoryEntry } from "../../kernel/rt/trace.js";
import { history } from "../../kernel/rt/trace.js";
import { errnoName, formatReturn } from "../../kernel/uapi/errno.js";
import { describeCall, describeResult } from "../../program/describe.js";
import type { Subject } from "../../targets/target.js";
import { capValue } from "./uapi.js";
import type { CapValue } from "./uapi.js";

export type Arch = "x86" | "arm64" | "riscv";

/** Before a call starts, wait until another thread's call has started or returned. */
export interface Wait {
  readonly tid: number;
  readonly index: number;
  readonly on: "start" | "return";
}

export interface ReproCall {
  readonly tid: number;
  readonly index: number;
  /** Program-wide number of the call (its slot in the C program's result arrays). */
  readonly slot: number;
  readonly call: Call;
  readonly said: string;
  /** What the execution gave; absent when the call never returned (oops, deadlock). */
  readonly result?: CallResult;
  /** The buggy outcome, as a kernel developer writes it. */
  readonly buggy: string;
  /** What the documented contract (the reference model) says of this call here. */
  readonly documented: string;
  /** Choice points the model resolved inside the call (host conditions a real run may not meet). */
  readonly choices: readonly string[];
  readonly waits: readonly Wait[];
}

export interface ReproPlan {
  readonly arch: Arch;
  readonly target: string;
  readonly variant: string;
  readonly property: string;
  readonly message: string;
  readonly replay: string;
  readonly patch: Subject["patch"];
  readonly fixture: readonly Call[];
  readonly threads: readonly (readonly ReproCall[])[];
  readonly calls: readonly ReproCall[];
  /**
   * Whether the results alone show the violation: no order of the calls consistent
   * with real time is accepted by the documented contract (or a call never returned).
   * When false the violation is inside the kernel (a changed configuration, a lockdep
   * splat) and matching results only say the interleaving was reached.
   */
  readonly observable: boolean;
  /** Capabilities the program names, with their numbers and where the numbers come from. */
  readonly caps: readonly CapValue[];
  /** Whether any thread signals another (pthread_kill), so KVM_RUN needs a signal mask. */
  readonly signals: boolean;
  readonly hasRun: boolean;
  /**
   * What the counterexample needs of the host that userspace cannot force (a
   * kvm_gmem_get_pfn() error: fault injection), one line each; empty when a program
   * alone can reach it. A run that does not reproduce it then says so and skips.
   */
  readonly needs: readonly string[];
}

export function archOf(target: string): Arch {
  if (target.startsWith("riscv")) return "riscv";
  if (target.startsWith("arm64")) return "arm64";
  return "x86";
}

/**
 * A choice point's value that userspace cannot bring about, as what it needs; null for
 * the default (the first option: a page, no retry), which every run takes unless the
 * host interferes.
 */
function hostNeed(point: string, value: unknown): string | null {
  if (point === "kvm_gmem_get_pfn")
    return value === 0 ? null : `fault injection in the kernel: kvm_gmem_get_pfn() returning ${typeof value === "number" ? `-${errnoName(-value)}` : String(value)} (userspace cannot make guest_memfd fail so)`;
  if (point === "mmu_invalidate_retry")
    return value ? "an MMU-notifier invalidation racing with the fault (mmu_invalidate_retry() true), which userspace cannot time" : null;
  return value === 0 || value === false ? null : `${point}() = ${String(value)}, a host condition userspace cannot force`;
}

function choicesIn(cx: Counterexample, tid: number, index: number): string[] {
  return cx.execution.events.flatMap((e) =>
    e.kind === "choice" && e.tid === tid && e.call === index
      ? [`${e.point}() = ${typeof e.value === "number" ? formatReturn(e.value) : String(e.value)}`]
      : [],
  );
}

/**
 * The waits that put call `h` where the execution had it: for every other thread, its
 * latest call that returned before `h` began (wait for its return). A call still running
 * when `h` began gets no wait: the two overlap, and the best userspace can do is to start
 * them together (the spin start, src/report/repro/emit.ts). Waiting until the other has
 * started would hand it a head start of a whole syscall entry, and the kernel race the counterexample needs (a check
 * in one path between the check and the store of the other) is shorter than that: with
 * such a wait the x86-caps dirty-ring race never showed in 100,000 iterations. The one
 * exception is a signal: pthread_kill() must find its target inside the call it
 * interrupts, so it waits for that call to start.
 */
function waitsOf(h: HistoryEntry, all: readonly HistoryEntry[]): Wait[] {
  const out: Wait[] = [];
  const tids = [...new Set(all.map((x) => x.tid))].filter((t) => t !== h.tid);
  for (const t of tids) {
    const mine = all.filter((x) => x.tid === t && x.invokedAt < h.invokedAt);
    const last = mine[mine.length - 1];
    if (!last) continue;
    const done = last.returnedAt !== undefined && last.returnedAt < h.invokedAt;
    if (done) out.push({ tid: t, index: last.index, on: "return" });
    else if (h.call.ioctl === "pthread_kill") out.push({ tid: t, index: last.index, on: "start" });
    else {
      const before = mine.filter((x) => x.returnedAt !== undefined && x.returnedAt < h.invokedAt);
      const prev = before[before.length - 1];
      if (prev) out.push({ tid: t, index: prev.index, on: "return" });
    }
  }
  return out;
}

/** The model's word on each call, fed in invocation order; after its first rejection it says no more. */
function documentedInOrder(subject: Subject, hs: readonly HistoryEntry[]): Map<HistoryEntry, string> {
  const out = new Map<HistoryEntry, string>();
  const done: HistoryEntry[] = [];
  for (const h of hs) {
    if (!h.result) {
      out.set(h, "returns (the model's kernel path does not oops or hang here)");
      break;
    }
    const r = runSequential(subject.model, [...done, h].map((x) => ({ call: x.call, result: x.result!, tid: x.tid })));
    if (!r.ok) {
      out.set(h, r.reason);
      break;
    }
    out.set(h, `${describeResult(h.call, h.result)} is allowed here`);
    done.push(h);
  }
  return out;
}

export function reproPlan(cx: Counterexample, subject: Subject): ReproPlan {
  const hs = history(cx.execution.events);
  const lin = subject.properties.find((p) => p.name === "linearizable");
  const neverReturned = hs.some((h) => !h.result) || hs.length < cx.threads.flat().length;
  const observable = neverReturned || (lin ? !lin.check(cx.execution).holds : true);
  const documented = observable ? documentedInOrder(subject, hs) : new Map<HistoryEntry, string>();
  let slot = 0;
  const threads = cx.threads.map((calls, tid) =>
    calls.map((call, index): ReproCall => {
      const h = hs.find((x) => x.tid === tid && x.index === index);
      const result = h?.result;
      const buggy = result
        ? describeResult(call, result)
        : h
          ? "never returns: the kernel path oopses or hangs in the model"
          : "never starts: an earlier call of this thread did not return";
      const doc = h && documented.get(h);
      return {
        tid,
        index,
        slot: slot++,
        call,
        said: describeCall(call),
        ...(result ? { result } : {}),
        buggy,
        documented:
          doc ??
          (observable
            ? "not modelled past the first call the contract rejects"
            : "the same result is documented in some order of the calls; the violation is inside the kernel"),
        choices: choicesIn(cx, tid, index),
        waits: h ? waitsOf(h, hs) : [],
      };
    }),
  );
  const all = [...(subject.fixture ?? []), ...cx.threads.flat()];
  const capNames = [...new Set(all.flatMap((c) => (c.ioctl === "KVM_ENABLE_CAP" || c.ioctl === "KVM_CHECK_EXTENSION" ? [c.cap] : [])))];
  // The program creates a guest_memfd only where the host has one: it checks the cap first.
  if (all.some((c) => c.ioctl === "KVM_SET_USER_MEMORY_REGION2" && c.guest_memfd !== undefined)) capNames.push("KVM_CAP_GUEST_MEMFD");
  return {
    arch: archOf(subject.target),
    target: subject.target,
    variant: subject.variant,
    property: cx.property,
    message: cx.message,
    replay: cx.replay,
    patch: subject.patch,
    fixture: subject.fixture ?? [],
    threads,
    calls: threads.flat(),
    observable,
    caps: capNames.map((c) => capValue(subject, c)),
    signals: all.some((c) => c.ioctl === "pthread_kill"),
    hasRun: all.some((c) => c.ioctl === "KVM_RUN"),
    needs: [...new Set(cx.execution.events.flatMap((e) => (e.kind === "choice" ? [hostNeed(e.point, e.value)] : [])).filter((n) => n !== null))],
  };
}
