/**
 * The trace of one execution: everything that happened, in the order it happened.
 * Properties and the reference model read only this, never the variant's code.
 */
import type { FaultKind } from "./ops.js";

/** One ioctl as a program states it: plain JSON, so it can be printed, stored and replayed. */
export interface Call {
  readonly ioctl: string;
  readonly [arg: string]: unknown;
}

/** What the ioctl returned: `r` is the kernel's return (negative errno on failure). */
export interface CallResult {
  readonly r: number;
  /** For KVM_RUN: the `kvm_run` fields userspace reads after the return. */
  readonly run?: Readonly<Record<string, unknown>>;
}

/** A call is named by its thread and its index in that thread's list. */
export interface CallRef {
  readonly tid: number;
  readonly index: number;
}

interface EventBase {
  /** Position in the trace. */
  readonly i: number;
  readonly tid: number;
  /** The call (index within the thread) this event belongs to. */
  readonly call: number;
}

export type Event = EventBase &
  (
    | { readonly kind: "invoke"; readonly ioctl: Call }
    | { readonly kind: "return"; readonly result: CallResult }
    | { readonly kind: "read"; readonly loc: string; readonly value: unknown }
    | { readonly kind: "write"; readonly loc: string; readonly value: unknown; readonly old: unknown }
    | { readonly kind: "acquire"; readonly loc: string }
    | { readonly kind: "release"; readonly loc: string }
    | { readonly kind: "choice"; readonly point: string; readonly value: unknown; readonly of: number }
    | { readonly kind: "observe"; readonly what: string; readonly data: Readonly<Record<string, unknown>> }
    | { readonly kind: "fault"; readonly fault: FaultKind; readonly message: string }
  );

export type EventKind = Event["kind"];

/** Events that were scheduling points (one per step the scheduler chose). */
export function isStep(e: Event): boolean {
  return e.kind === "read" || e.kind === "write" || e.kind === "acquire" || e.kind === "release";
}

/** A completed (or still pending) call with its real-time interval in the trace. */
export interface HistoryEntry {
  readonly tid: number;
  readonly index: number;
  readonly call: Call;
  /** Trace position of the invocation. */
  readonly invokedAt: number;
  /** Trace position of the return; undefined if the call never returned (deadlock, oops). */
  readonly returnedAt?: number;
  readonly result?: CallResult;
}

/** The concurrent history: calls with returns, in real time (ordered by invocation). */
export function history(events: readonly Event[]): HistoryEntry[] {
  // open[tid] is the thread's call in progress: a thread runs its calls one at a time.
  const open: (HistoryEntry | undefined)[] = [];
  const out: HistoryEntry[] = [];
  for (const e of events) {
    if (e.kind === "invoke") {
      const h: HistoryEntry = { tid: e.tid, index: e.call, call: e.ioctl, invokedAt: e.i };
      open[e.tid] = h;
      out.push(h);
    } else if (e.kind === "return") {
      const h = open[e.tid];
      if (h === undefined) continue;
      open[e.tid] = undefined;
      // Entries are built here and nowhere else; filling in the return completes them.
      Object.assign(h, { returnedAt: e.i, result: e.result });
    }
  }
  return out;
}
