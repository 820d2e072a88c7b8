/**
 * A property: a named invariant over one finished execution. It reads only the trace
 * (events, observations, the history of calls), never a variant's code.
 */
import type { Execution } from "../src/kernel/rt/execution.js";
import type { Call, Event } from "../src/kernel/rt/trace.js";

export type Verdict =
  | { readonly holds: true }
  | {
      readonly holds: false;
      /** Why, naming the steps involved. */
      readonly message: string;
      /** Trace positions of the events involved. */
      readonly events: readonly number[];
      /**
       * What tells this violation from another of the same property (the racing pair,
       * the broken clause), when the events alone would not: see `signatureOf`.
       */
      readonly signature?: string;
    };

export interface JudgedCells {
  /** The cells, by location name: their values are read at the events `at` and at each other's writes. */
  readonly cells: (loc: string) => boolean;
  /** The events the verdict reads their values at, besides their writes: a call's invocation or return, an observation. */
  readonly at: readonly ("invoke" | "return" | "observe")[];
  /**
   * Context cells: read at the writes of `cells` and at the events `contextAt`, each on
   * its own (the verdict depends on each one's values there, and between two such
   * events, never on the order in which two of them changed: "a vCPU or memslot exists"
   * is created_vcpus > 0 or a memslot, either one). The reduction orders their writes
   * with those, not with each other.
   */
  readonly context?: (loc: string) => boolean;
  /** The events the verdict reads the context cells at (none when absent). */
  readonly contextAt?: readonly ("invoke" | "return" | "observe")[];
  /**
   * The calls whose invocations and returns those are (every call's when absent): the
   * reduction orders only these with the cells' writes, not every call boundary.
   */
  readonly calls?: (call: Call) => boolean;
}

export interface Property {
  readonly name: string;
  /** One line: what must hold. */
  readonly statement: string;
  /**
   * The verdict depends on the real-time order of calls (whether one returned before
   * another was invoked), which the steps' order decides but their dependencies do not,
   * and holds with fewer "returned before" pairs if it holds with more (linearizability
   * does: an order that respects more pairs respects fewer). Exhaustive mode then judges
   * each class's strongest real-time orders besides the execution it runs
   * (real-time-variants.ts), or under a preemption bound keeps those orders apart in the
   * search (ExploreOptions.realTime).
   */
  readonly realTime?: boolean;
  /**
   * The verdict is a function of the history alone: the calls, their results and their
   * real-time order (`historyShape`). Exhaustive mode then judges each real-time variant
   * of a class by its history once, not every time it recurs.
   */
  readonly byHistory?: boolean;
  /**
   * Cells whose values the verdict reads at other events than the steps that access them
   * (a write "while" another cell has some value; a call's interval or an observation
   * against their values): exhaustive mode's reduction then orders their writes with each
   * other and with those events (ExploreOptions.judges).
   */
  readonly judges?: JudgedCells;
  check(ex: Execution): Verdict;
}

export const HOLDS: Verdict = { holds: true };

export function violated(message: string, events: readonly number[]): Verdict {
  return { holds: false, message, events };
}

/**
 * A call as signatures name it: the ioctl, the cap it is about and the fd kind, not its
 * other arguments (two sizes of one ring cap racing are one race).
 */
export function callKind(call: Call): string {
  const fd = typeof call.fd === "object" && call.fd !== null ? Object.keys(call.fd)[0] : call.fd;
  return `${call.ioctl}${call.cap !== undefined ? `(${String(call.cap)})` : ""}${fd !== undefined ? ` on ${String(fd)}` : ""}`;
}

/**
 * What a violation is about, independent of the schedule, the thread numbers and the
 * arguments: the events it names, each as its call's kind and what it did there
 * (`KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING) on vm: write kvm->dirty_ring_size`), sorted. Two counterexamples with one signature show one bug;
 * reports keep several counterexamples per property only when their signatures differ.
 */
export function signatureOf(v: Extract<Verdict, { holds: false }>, ex: Execution): string {
  if (v.signature !== undefined) return v.signature;
  const invoke = new Map<string, Event>();
  for (const e of ex.events) if (e.kind === "invoke") invoke.set(`${e.tid}:${e.call}`, e);
  const parts = new Set<string>();
  for (const i of v.events) {
    const e = ex.events[i];
    if (!e) continue;
    const inv = invoke.get(`${e.tid}:${e.call}`);
    const call = inv && inv.kind === "invoke" ? callKind(inv.ioctl) : "?";
    const what =
      e.kind === "read" || e.kind === "write" || e.kind === "acquire" || e.kind === "release"
        ? `${e.kind} ${e.loc}`
        : e.kind === "fault"
          ? `${e.fault}`
          : e.kind === "observe"
            ? `observe ${e.what}`
            : e.kind === "choice"
              ? `${e.point}`
              : "";
    parts.add(what ? `${call}: ${what}` : call);
  }
  return [...parts].sort().join(" · ");
}
