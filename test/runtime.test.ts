import { describe, expect, it } from "vitest";
import type { K } from "../src/kernel/rt/ops.js";
import { READ, WRITE, lockdep_assert_held, mutex_lock, mutex_unlock } from "../src/kernel/rt/ops.js";
import { execute, preemptions } from "../src/kernel/rt/execution.js";
import { SharedState } from "../src/kernel/rt/state.js";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { DecisionScheduler } from "../src/kernel/schedulers/decisions.js";

/** A tiny world: two mutexes and a counter, and calls that use them in different orders. */
function world() {
  const shared = new SharedState();
  const a = shared.mutex("a");
  const b = shared.mutex("b");
  const x = shared.cell("x", 0);
  function* ioctl(_w: unknown, _tid: number, call: Call): K<CallResult> {
    switch (call.ioctl) {
      case "INC_LOCKED": {
        yield* mutex_lock(a);
        const v = yield* READ(x);
        yield* WRITE(x, v + 1);
        yield* mutex_unlock(a);
        return { r: 0 };
      }
      case "INC_RACY": {
        const v = yield* READ(x);
        yield* WRITE(x, v + 1);
        return { r: 0 };
      }
      case "AB":
      case "BA": {
        const [first, second] = call.ioctl === "AB" ? [a, b] : [b, a];
        yield* mutex_lock(first);
        yield* mutex_lock(second);
        yield* mutex_unlock(second);
        yield* mutex_unlock(first);
        return { r: 0 };
      }
      case "ASSERT_B":
        yield* lockdep_assert_held(b, "test");
        return { r: 0 };
      default:
        return { r: -22 };
    }
  }
  return { shared, x, ioctl };
}

/** Every decision list up to length n over {0, 1}. */
function* allDecisions(n: number): Generator<number[]> {
  for (let len = 0; len <= n; len++) for (let m = 0; m < 2 ** len; m++) yield Array.from({ length: len }, (_, i) => (m >> i) & 1);
}

describe("runtime", () => {
  it("keeps a locked read-modify-write atomic under every schedule, and loses an update without the lock", () => {
    const finals = (call: string) => {
      const seen = new Set<number>();
      for (const d of allDecisions(8)) {
        const w = world();
        execute(w, w.shared, [[{ ioctl: call }], [{ ioctl: call }]], w.ioctl, new DecisionScheduler(d));
        seen.add(w.x.value);
      }
      return seen;
    };
    expect(finals("INC_LOCKED")).toEqual(new Set([2]));
    expect(finals("INC_RACY")).toEqual(new Set([1, 2]));
  });

  it("reports a lock-order inversion as a deadlock, with who waits for what", () => {
    let deadlocks = 0;
    for (const d of allDecisions(6)) {
      const w = world();
      const ex = execute(w, w.shared, [[{ ioctl: "AB" }], [{ ioctl: "BA" }]], w.ioctl, new DecisionScheduler(d));
      if (ex.outcome === "deadlock") {
        deadlocks++;
        const faults = ex.events.filter((e) => e.kind === "fault");
        expect(faults.map((f) => (f.kind === "fault" ? f.message : ""))).toEqual([
          "thread 0 waits for b, held by thread 1",
          "thread 1 waits for a, held by thread 0",
        ]);
      } else expect(ex.outcome).toBe("complete");
    }
    expect(deadlocks).toBeGreaterThan(0);
  });

  it("records lockdep_assert_held without the lock as a fault and goes on", () => {
    const w = world();
    const ex = execute(w, w.shared, [[{ ioctl: "ASSERT_B" }, { ioctl: "INC_RACY" }]], w.ioctl, new DecisionScheduler([]));
    expect(ex.outcome).toBe("complete");
    expect(ex.events.some((e) => e.kind === "fault" && e.fault === "lockdep")).toBe(true);
    expect(w.x.value).toBe(1);
  });

  it("is deterministic given the decisions, and zeros mean no preemption", () => {
    const run = (d: number[]) => {
      const w = world();
      return execute(w, w.shared, [[{ ioctl: "INC_RACY" }], [{ ioctl: "INC_RACY" }]], w.ioctl, new DecisionScheduler(d));
    };
    expect(JSON.stringify(run([1, 0, 1]).events)).toBe(JSON.stringify(run([1, 0, 1]).events));
    expect(preemptions(run([]))).toBe(0);
    expect(preemptions(run([0, 1]))).toBe(1);
  });
});
