/**
 * What a step touches, for partial-order reduction: two steps are dependent when they
 * touch the same location and at least one writes. Lock operations count as writes of
 * the lock (acquire/release of the same mutex are dependent); a `wait` is a read of the
 * cell it waits on.
 *
 * Where a property judges the real-time order of calls (`linearizable`), a step also
 * carries the invocations and returns its thread made with it (`calls`): a step with a
 * return and another thread's step with an invocation are dependent, since swapping them
 * changes whether the one call returned before the other began.
 */
import type { VisibleOp } from "../../kernel/rt/ops.js";
import { CALL_INVOKED, CALL_RETURNED } from "../../kernel/rt/scheduler.js";

export interface Access {
  readonly loc: string;
  /** The location's number (`locationId`), what the explorer compares. */
  readonly id: number;
  readonly write: boolean;
  readonly lock: "acquire" | "release" | null;
  /** CALL_INVOKED | CALL_RETURNED: the calls invoked or returned with the step (0 unless asked for). */
  readonly calls: number;
}

/**
 * Accesses are immutable and few (four kinds, four `calls` values per location): made
 * once each and shared, not allocated per step. Indexed by id * 16 + kind * 4 + calls.
 */
const made: Access[] = [];
const KINDS = [
  { write: false, lock: null },
  { write: true, lock: null },
  { write: true, lock: "acquire" },
  { write: true, lock: "release" },
] as const;

function access(loc: string, id: number, kind: number, calls: number): Access {
  const k = id * 16 + kind * 4 + calls;
  return (made[k] ??= { loc, id, ...KINDS[kind]!, calls });
}

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

/** `a` with the calls its step invoked or returned. */
export function withCalls(a: Access, calls: number): Access {
  return calls === a.calls ? a : access(a.loc, a.id, a.lock === "acquire" ? 2 : a.lock === "release" ? 3 : a.write ? 1 : 0, calls);
}

export function dependent(a: Access, b: Access): boolean {
  return (
    (a.id === b.id && (a.write || b.write)) ||
    ((a.calls & CALL_RETURNED) !== 0 && (b.calls & CALL_INVOKED) !== 0) ||
    ((a.calls & CALL_INVOKED) !== 0 && (b.calls & CALL_RETURNED) !== 0)
  );
}
