/**
 * What a step touches, for partial-order reduction: two steps are dependent when they
 * touch the same location and at least one writes. Lock operations count as writes of
 * the lock (acquire/release of the same mutex are dependent); a `wait` is a read of the
 * cell it waits on.
 *
 * A step with which the execution ended (an oops) is dependent with every other: the
 * threads' steps after it in one order do not happen at all in the other.
 *
 * That is enough for properties that judge what each step read and wrote. Some judge
 * more, and the reduction must then keep more apart (else an execution explored for its
 * class need not show what another of the class shows):
 *
 * - the real-time order of calls (`linearizable`), under a preemption bound (else it is
 *   judged per class: real-time-variants.ts): a step with which its thread returned a
 *   call and another thread's step with which a call was invoked are dependent, since
 *   swapping them changes whether the one call returned before the other began;
 * - the values of some cells at other events (`Property.judges`: a g-stage write "while a
 *   vCPU exists", a call rejected "while it ran", an observation against the configuration
 *   in force): a write of such a cell also writes one location of them all (JUDGED_WRITE),
 *   and a step with which its thread invoked or returned a call or made an observation, as
 *   the properties ask, reads it (READS_JUDGED). Reads of those cells stay what they are.
 * - the values of context cells (`JudgedCells.context`: created_vcpus, the memslots) at
 *   those writes and at some events, each cell on its own: a write of one (CONTEXT_WRITE)
 *   reads the judged cells' location, and writes a location of its own that a step
 *   carrying such events reads (READS_CONTEXT). Two context cells' writes stay
 *   independent: the verdict never asks in which order two of them changed.
 */
import type { VisibleOp } from "../../kernel/rt/ops.js";
import { CALL_INVOKED, CALL_RETURNED } from "../../kernel/rt/scheduler.js";

export interface Access {
  readonly loc: string;
  /** The location's number (`locationId`), what the explorer compares. */
  readonly id: number;
  readonly write: boolean;
  readonly lock: "acquire" | "release" | null;
  /** CALL_INVOKED | CALL_RETURNED | READS_JUDGED | JUDGED_WRITE | ENDS | CONTEXT_WRITE | READS_CONTEXT: what the step carries besides its access. */
  readonly calls: number;
}

/** In `Access.calls`: the step carries events that read the judged cells' location. */
export const READS_JUDGED = 4;
/** In `Access.calls`: the step writes a judged cell, and so the judged cells' location. */
export const JUDGED_WRITE = 8;
/** In `Access.calls`: the execution ended with the step (an oops): it disables every other thread. */
export const ENDS = 16;
/** In `Access.calls`: the step writes a context cell (read at the judged cells' writes and at READS_CONTEXT events). */
export const CONTEXT_WRITE = 32;
/** In `Access.calls`: the step carries events that read the context cells. */
export const READS_CONTEXT = 64;

/**
 * Accesses are immutable and few (four kinds, 128 `calls` values per location): made
 * once each and shared, not allocated per step. Indexed by id * 512 + kind * 128 + calls.
 */
const made: Access[] = [];
const KINDS = [
  { write: false, lock: null },
  { write: true, lock: null },
  { write: true, lock: "acquire" },
  { write: true, lock: "release" },
] as const;

function access(loc: string, id: number, kind: number, calls: number): Access {
  const k = id * 512 + kind * 128 + calls;
  return (made[k] ??= { loc, id, ...KINDS[kind]!, calls });
}

const kindOf = (a: Access): number => (a.lock === "acquire" ? 2 : a.lock === "release" ? 3 : a.write ? 1 : 0);

export function accessOf(op: VisibleOp): Access {
  switch (op.kind) {
    case "read":
    case "wait":
      return access(op.cell.name, op.cell.id, 0, 0);
    case "write":
    case "rmw":
      return access(op.cell.name, op.cell.id, 1, 0);
    case "acquire":
      return access(op.mutex.name, op.mutex.id, 2, 0);
    case "release":
      return access(op.mutex.name, op.mutex.id, 3, 0);
  }
}

/** `a` with what its step carries (the calls it invoked or returned, READS_JUDGED, JUDGED_WRITE, ...). */
export function withCalls(a: Access, calls: number): Access {
  return calls === a.calls ? a : access(a.loc, a.id, kindOf(a), calls);
}

export function dependent(a: Access, b: Access): boolean {
  return (
    (a.id === b.id && (a.write || b.write)) ||
    ((a.calls | b.calls) & ENDS) !== 0 ||
    ((a.calls & CALL_RETURNED) !== 0 && (b.calls & CALL_INVOKED) !== 0) ||
    ((a.calls & CALL_INVOKED) !== 0 && (b.calls & CALL_RETURNED) !== 0) ||
    ((a.calls & JUDGED_WRITE) !== 0 && (b.calls & (JUDGED_WRITE | READS_JUDGED | CONTEXT_WRITE)) !== 0) ||
    ((a.calls & (READS_JUDGED | CONTEXT_WRITE)) !== 0 && (b.calls & JUDGED_WRITE) !== 0) ||
    ((a.calls & CONTEXT_WRITE) !== 0 && (b.calls & READS_CONTEXT) !== 0) ||
    ((a.calls & READS_CONTEXT) !== 0 && (b.calls & CONTEXT_WRITE) !== 0)
  );
}
