/**
 * What a step touches, for partial-order reduction: two steps are dependent when they
 * touch the same location and at least one writes. Lock operations count as writes of
 * the lock (acquire/release of the same mutex are dependent); a `wait` is a read of the
 * cell it waits on.
 */
import type { VisibleOp } from "../../kernel/rt/ops.js";

export interface Access {
  readonly loc: string;
  readonly write: boolean;
  readonly lock: "acquire" | "release" | null;
}

export function accessOf(op: VisibleOp): Access {
  switch (op.kind) {
    case "read":
    case "wait":
      return { loc: op.cell.name, write: false, lock: null };
    case "write":
    case "rmw":
      return { loc: op.cell.name, write: true, lock: null };
    case "acquire":
      return { loc: op.mutex.name, write: true, lock: "acquire" };
    case "release":
      return { loc: op.mutex.name, write: true, lock: "release" };
  }
}

export function dependent(a: Access, b: Access): boolean {
  return a.loc === b.loc && (a.write || b.write);
}
