/**
 * What a step touches, for partial-order reduction: two steps are dependent when they
 * touch the same location and at least one writes. Lock operations count as writes of
 * the lock (acquire/release of the same mutex are dependent); a `wait` is a read of the
 * cell it waits on.
 */
import type { VisibleOp } from "../../kernel/rt/ops.js";

export interface Access {
  readonly loc: string;
  /** The location's number (`locationId`), what the explorer compares. */
  readonly id: number;
  readonly write: boolean;
  readonly lock: "acquire" | "release" | null;
}

export function accessOf(op: VisibleOp): Access {
  switch (op.kind) {
    case "read":
    case "wait":
      return { loc: op.cell.name, id: op.cell.id, write: false, lock: null };
    case "write":
    case "rmw":
      return { loc: op.cell.name, id: op.cell.id, write: true, lock: null };
    case "acquire":
      return { loc: op.mutex.name, id: op.mutex.id, write: true, lock: "acquire" };
    case "release":
      return { loc: op.mutex.name, id: op.mutex.id, write: true, lock: "release" };
  }
}

export function dependent(a: Access, b: Access): boolean {
  return a.id === b.id && (a.write || b.write);
}
