/**
 * Real-time variants (real-time-variants.ts) against brute force: for every equivalence
 * class, the strongest real-time orders among all of its interleavings are the strongest
 * of the explored execution's own order and the variants DPOR lists for it, and every
 * variant, run for real, is an execution of that class with that order.
 */
import { describe, expect, it } from "vitest";
import { exploreProgram } from "../src/explore/exhaustive/dpor.js";
import { traceKey } from "../src/explore/exhaustive/traces.js";
import type { Execution } from "../src/kernel/rt/execution.js";
import { execute } from "../src/kernel/rt/execution.js";
import type { K } from "../src/kernel/rt/ops.js";
import { READ, WRITE, mutex_lock, mutex_unlock, oops } from "../src/kernel/rt/ops.js";
import type { Scheduler } from "../src/kernel/rt/scheduler.js";
import { SharedState } from "../src/kernel/rt/state.js";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { history } from "../src/kernel/rt/trace.js";
import { riscvHgatp } from "../src/targets/riscv-hgatp/index.js";
import type { Threads } from "../src/targets/target.js";

type Run = (s: Scheduler) => Execution;

/** Two cells and a mutex: unlocked reads and writes, and a locked read-modify-write. */
function micro(threads: Threads): Run {
  return (sched) => {
    const shared = new SharedState();
    const x = shared.cell("x", 0);
    const y = shared.cell("y", 0);
    const l = shared.mutex("l");
    const m = shared.mutex("m");
    function* ioctl(_w: unknown, _t: number, c: Call): K<CallResult> {
      const cell = c.cell === "y" ? y : x;
      if (c.ioctl === "W") {
        yield* WRITE(cell, 1);
        return { r: 0 };
      }
      if (c.ioctl === "R") return { r: yield* READ(cell) };
      if (c.ioctl === "OOPS") return yield* oops("BUG_ON() in OOPS");
      if (c.ioctl === "LM" || c.ioctl === "ML") {
        // Two mutexes in either order: the ABBA deadlock.
        const [first, second] = c.ioctl === "LM" ? [l, m] : [m, l];
        yield* mutex_lock(first);
        yield* mutex_lock(second);
        yield* mutex_unlock(second);
        yield* mutex_unlock(first);
        return { r: 0 };
      }
      yield* mutex_lock(l);
      const v = yield* READ(cell);
      yield* WRITE(cell, v + 1);
      yield* mutex_unlock(l);
      return { r: v };
    }
    return execute(null, shared, threads, ioctl, sched);
  };
}

/** The real-time order of an execution's calls: "a<b" when call a returned before call b was invoked. */
function realTime(ex: Execution): string {
  const h = history(ex.events);
  const pairs: string[] = [];
  for (const a of h) for (const b of h) if (a.tid !== b.tid && a.returnedAt !== undefined && a.returnedAt < b.invokedAt) pairs.push(`${a.tid}.${a.index}<${b.tid}.${b.index}`);
  return pairs.sort().join(" ");
}

/** The orders no other of `orders` strictly contains. */
function strongest(orders: Iterable<string>): string[] {
  const sets = [...new Set(orders)].map((o) => ({ o, s: new Set(o ? o.split(" ") : []) }));
  return sets.filter((a) => !sets.some((b) => b.s.size > a.s.size && [...a.s].every((p) => b.s.has(p)))).map((a) => a.o).sort();
}

/** Per class: the strongest real-time orders of all its interleavings, and of DPOR's execution with its variants. */
function compare(run: Run): { classes: number; variants: number; outcomes: Set<string> } {
  const all = new Map<string, string[]>();
  const outcomes = new Set<string>();
  exploreProgram(run, { reduction: "none" }, (ex) => {
    outcomes.add(ex.outcome);
    const k = traceKey(ex);
    all.set(k, [...(all.get(k) ?? []), realTime(ex)]);
  });
  const explored = new Map<string, string[]>();
  let variants = 0;
  let key = "";
  exploreProgram(run, { reduction: "dpor", realTime: "variants" }, (ex, _decisions, variant) => {
    if (!variant) {
      key = traceKey(ex);
      explored.set(key, [realTime(ex)]);
      return;
    }
    variants++;
    const real = variant().ex;
    expect(traceKey(real)).toBe(key);
    expect(realTime(real)).toBe(realTime(ex));
    explored.get(key)!.push(realTime(ex));
  });
  expect([...explored.keys()].sort()).toEqual([...all.keys()].sort());
  for (const [k, orders] of all) expect(strongest(explored.get(k)!)).toEqual(strongest(orders));
  return { classes: all.size, variants, outcomes };
}

describe("each class's strongest real-time orders are those of all its interleavings", () => {
  it("three threads of unlocked reads and writes of two cells", () => {
    const r = compare(micro([[{ ioctl: "R", cell: "y" }, { ioctl: "W" }], [{ ioctl: "W" }], [{ ioctl: "R", cell: "y" }]]));
    expect(r.variants).toBeGreaterThan(0);
  });

  it("locked read-modify-writes beside unlocked reads of another cell", () => {
    const r = compare(micro([[{ ioctl: "INC" }, { ioctl: "R", cell: "y" }], [{ ioctl: "INC" }, { ioctl: "W", cell: "y" }]]));
    expect(r.variants).toBeGreaterThan(0);
  });

  it("executions that deadlock (ABBA) beside unlocked calls: the faults stay after every order", () => {
    const r = compare(micro([[{ ioctl: "R", cell: "y" }, { ioctl: "LM" }], [{ ioctl: "ML" }, { ioctl: "W", cell: "y" }]]));
    expect(r.outcomes).toEqual(new Set(["complete", "deadlock"]));
    expect(r.variants).toBeGreaterThan(0);
  });

  it("executions that end in an oops beside unlocked calls", () => {
    const r = compare(micro([[{ ioctl: "W" }, { ioctl: "OOPS" }], [{ ioctl: "R" }, { ioctl: "R", cell: "y" }]]));
    expect(r.outcomes).toEqual(new Set(["oops"]));
    expect(r.classes).toBeGreaterThan(1);
  });

  it("riscv-hgatp@v8: the cap, a vCPU and both KVM_CHECK_EXTENSIONs on three threads", () => {
    const s = riscvHgatp.subject("v8");
    const [cap, vcpu, , vmCheck, sysCheck] = s.exhaustive!.alphabet;
    const r = compare((sch) => s.execute([[cap!], [vcpu!, sysCheck!], [vmCheck!]], sch));
    expect(r.classes).toBeGreaterThan(1);
  });
});
