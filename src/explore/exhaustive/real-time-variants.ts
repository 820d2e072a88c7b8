/**
 * The real-time orders one execution's equivalence class can show, for properties whose
 * verdict depends on them (`Property.realTime`: linearizable).
 *
 * Steps of different threads that touch no common location (or only read it) can run in
 * either order with the same results: the executions that differ only so form a class,
 * and DPOR runs one of each. The calls' real-time order (did one return before another
 * began?) is not the same across a class, and linearizability judges it. Rather than
 * keep apart every real-time order in the exploration (every return dependent with every
 * other thread's invocation: 2.8 times the executions of riscv-hgatp@v8 at 2x3), the
 * explorer runs one execution per class and this module lists the class's other
 * real-time orders, as executions of their own.
 *
 * Only the strongest need checking. Linearizability is monotone in the real-time order:
 * a history linearizable with more "returned before invoked" pairs is with fewer (an
 * order respecting more pairs respects fewer). So the class's executions whose orders
 * no other execution of the class extends are checked, and if they all hold, every
 * execution of the class does. Those are found among the executions that take a step
 * carrying only returns as soon as it can (moving a return earlier only adds pairs):
 * a search over the order of the steps that carry invocations or returns, as their
 * happens-before (program order and conflicting accesses) allows.
 *
 * A variant is a real execution: the same steps in an order the exploration's
 * happens-before allows (so of the class the exploration explored as one), each
 * with the events of its thread that followed it (its stretch, `Execution.stepStarts`).
 * The events the threads made before their first steps, and those after the last
 * stretch (a deadlock's faults), stay where they are: every order has them there.
 */
import type { Execution } from "../../kernel/rt/execution.js";
import type { Event } from "../../kernel/rt/trace.js";
import { shapeOf } from "../../check/linearization.js";
import { CALL_INVOKED, CALL_RETURNED } from "../../kernel/rt/scheduler.js";

export interface RealTimeVariant {
  /** Its history's shape (`historyShape`): what a property that judges only the history depends on. */
  readonly shape: string;
  /** The original execution's steps, by index, in this execution's order. */
  readonly order: readonly number[];
  /** The class's execution with this real-time order (events renumbered; `stepEnabled` not known without running it), made when asked. */
  execution(): Execution;
  /**
   * Its history alone: an execution of only its invocations and returns, in its order.
   * Enough for a property whose verdict depends on nothing else (`Property.byHistory`),
   * and a fifth of the events to copy.
   */
  history(): Execution;
}

/**
 * The steps' vector clocks under the dependence the exploration used (DPOR's, dpor.ts):
 * step x happens before step y iff clocks[y * threads + tid(x)] >= seq[x].
 */
export interface HappensBefore {
  readonly clocks: Int32Array;
  readonly seq: Int32Array;
  readonly threads: number;
}

/** Points of the search per execution before giving up: an internal error, never a silent cut. */
const MAX_POINTS = 1_000_000;

/** An order of the B-steps (from some point on) and its signature (its slots from there on). */
interface Order {
  readonly sig: Int32Array;
  readonly order: readonly number[];
}

/**
 * The executions of `ex`'s class whose real-time orders are strongest, except those
 * whose order is `ex`'s own (already checked). Empty when every order of the class is
 * `ex`'s or weaker.
 */
export function realTimeVariants(
  ex: Execution,
  hb: HappensBefore,
  /** Per step, what its stretch holds: CALL_INVOKED, CALL_RETURNED (Scheduler.afterStep). */
  boundaries: readonly number[],
): RealTimeVariant[] {
  const starts = ex.stepStarts;
  if (!starts) throw new Error("internal: an execution without step starts (Execution.stepStarts) cannot be reordered");
  const n = ex.stepTids.length;
  if (n === 0) return [];
  const tids = ex.stepTids;
  const { clocks: C, seq, threads: T } = hb;

  // The steps that carry invocations or returns (B-steps), per thread, and what they carry.
  const bsteps: number[][] = Array.from({ length: T }, () => []);
  for (let k = 0; k < n; k++) if (boundaries[k]) bsteps[tids[k]!]!.push(k);
  const carriesInvoke = (k: number): boolean => (boundaries[k]! & CALL_INVOKED) !== 0;
  // need[k * T + v]: how many of thread v's B-steps happen before B-step k. When each is
  // all of v's B-steps before k in the execution, the execution's own order of them is the
  // class's only one (most classes: kvm->lock orders the calls; or one thread calls alone).
  const need = new Int32Array(n * T);
  let concurrent = false;
  for (let u = 0; u < T; u++)
    for (const k of bsteps[u]!)
      for (let v = 0; v < T; v++) {
        if (v === u) continue;
        let before = 0;
        let c = 0;
        for (const x of bsteps[v]!) {
          if (x >= k) break;
          before++;
          if (C[k * T + v]! >= seq[x]!) c++;
        }
        need[k * T + v] = c;
        if (c < before) concurrent = true;
      }
  if (!concurrent) return [];
  // retBefore[u][j]: returning steps among thread u's first j B-steps. (A stretch can
  // return more than one call, of calls with no step of their own; but orders are compared
  // by how many of a thread's returning steps precede an invocation, which grows where the
  // count of returns grows: it orders them the same.)
  const retBefore = bsteps.map((bs) => {
    const out = [0];
    for (const k of bs) out.push(out[out.length - 1]! + ((boundaries[k]! & CALL_RETURNED) !== 0 ? 1 : 0));
    return out;
  });
  // The invocation-carrying B-steps, each with a slot in an order's signature per other thread.
  const slotOf = new Int32Array(n).fill(-1);
  let slots = 0;
  for (let u = 0; u < T; u++) for (const k of bsteps[u]!) if (carriesInvoke(k)) slotOf[k] = slots++;
  /** An order's real-time pairs: per invoking B-step and other thread, the returns before it. */
  const signature = (pos: Int32Array, k: number, sig: Int32Array): void => {
    const s = slotOf[k]!;
    if (s < 0) return;
    for (let v = 0; v < T; v++) sig[s * T + v] = v === tids[k] ? 0 : retBefore[v]![pos[v]!]!;
  };

  const width = slots * T;
  const own = new Int32Array(width);
  {
    const pos = new Int32Array(T);
    for (let k = 0; k < n; k++) {
      if (!boundaries[k]) continue;
      signature(pos, k, own);
      pos[tids[k]!]!++;
    }
  }

  // The strongest orders from each point of the search (how many of each thread's B-steps
  // are taken): their signatures' later slots depend on nothing before that point, so the
  // answer is remembered per point and only the strongest of it kept. Pure returns first.
  const below = (a: Int32Array, b: Int32Array): boolean => {
    let strict = false;
    for (let i = 0; i < width; i++) {
      if (a[i]! > b[i]!) return false;
      if (a[i]! < b[i]!) strict = true;
    }
    return strict;
  };
  const same = (a: Int32Array, b: Int32Array): boolean => a.every((x, i) => x === b[i]);
  /** The candidates no other is above, one per signature. */
  const strongest = (cands: Order[]): Order[] =>
    cands.filter((f, i) => !cands.some((g, j) => (j < i && same(f.sig, g.sig)) || below(f.sig, g.sig)));
  const radix = bsteps.map((bs) => bs.length + 1);
  const memo = new Map<number, Order[]>();
  const pos = new Int32Array(T);
  let points = 0;
  const enabledStep = (u: number): number => {
    const bs = bsteps[u]!;
    if (pos[u]! >= bs.length) return -1;
    const k = bs[pos[u]!]!;
    for (let v = 0; v < T; v++) if (v !== u && pos[v]! < need[k * T + v]!) return -1;
    return k;
  };
  const from = (key: number): Order[] => {
    const known = memo.get(key);
    if (known) return known;
    if (++points > MAX_POINTS) throw new Error(`internal: more than ${MAX_POINTS} points in the search of one execution's real-time orders`);
    const cands: Order[] = [];
    const next = (u: number, k: number, step: number): void => {
      pos[u]!++;
      const rest = from(key + step);
      pos[u]!--;
      for (const r of rest) {
        const sig = r.sig.slice();
        signature(pos, k, sig);
        cands.push({ sig, order: [k, ...r.order] });
      }
    };
    let any = false;
    let step = 1;
    for (let u = 0; u < T; u++, step *= radix[u - 1]!) {
      const k = enabledStep(u);
      if (k >= 0 && !carriesInvoke(k)) {
        // Taking it now only adds returns before the invocations after it.
        cands.length = 0;
        next(u, k, step);
        any = true;
        break;
      }
      if (k >= 0) {
        next(u, k, step);
        any = true;
      }
    }
    const out = any ? strongest(cands) : [{ sig: new Int32Array(width), order: [] }];
    memo.set(key, out);
    return out;
  };

  const all = from(0);
  const out: RealTimeVariant[] = [];
  const shapeIn = (from: number, to: number): string => {
    let key = "";
    for (let e = from; e < to; e++) key += shapeOf(ex.events[e]!);
    return key;
  };
  let head: string | null = null;
  let tail = "";
  for (const f of all) {
    if (below(f.sig, own) || same(f.sig, own)) continue;
    if (head === null) {
      head = shapeIn(0, starts[0]!);
      tail = shapeIn(starts[n]!, ex.events.length);
    }
    // Only B-steps' stretches hold invocations and returns: the shape follows their order.
    let shape = head;
    for (const k of f.order) shape += shapeIn(starts[k]!, starts[k + 1]!);
    shape += tail;
    const order = fullOrder(f.order, n, tids, C, seq, T);
    let made: Execution | null = null;
    out.push({
      shape,
      order,
      execution: () => (made ??= reordered(ex, order)),
      history: () => reordered(ex, order, (e) => e.kind === "invoke" || e.kind === "return"),
    });
  }
  return out;
}

/**
 * Every step in an order that happens-before allows and that takes the B-steps in
 * `border`: before each, the steps that happen before it not yet taken (in their
 * original order, which happens-before allows); then the rest.
 */
function fullOrder(border: readonly number[], n: number, tids: readonly number[], C: Int32Array, seq: Int32Array, T: number): number[] {
  const taken = new Uint8Array(n);
  const out: number[] = [];
  for (const b of border) {
    for (let x = 0; x < b; x++) if (!taken[x] && C[b * T + tids[x]!]! >= seq[x]!) (taken[x] = 1), out.push(x);
    taken[b] = 1;
    out.push(b);
  }
  for (let x = 0; x < n; x++) if (!taken[x]) out.push(x);
  return out;
}

/** `ex` with its steps' stretches in `order`, events renumbered (only those `keep` says, when given). */
function reordered(ex: Execution, order: readonly number[], keep?: (e: Event) => boolean): Execution {
  const starts = ex.stepStarts!;
  const events: Event[] = [];
  const add = (from: number, to: number): void => {
    for (let e = from; e < to; e++) if (!keep || keep(ex.events[e]!)) events.push({ ...ex.events[e]!, i: events.length });
  };
  add(0, starts[0]!);
  const stepStarts: number[] = [];
  for (const k of order) {
    stepStarts.push(events.length);
    add(starts[k]!, starts[k + 1]!);
  }
  stepStarts.push(events.length);
  add(starts[order.length]!, ex.events.length);
  const stepTids = order.map((k) => ex.stepTids[k]!);
  return { initial: ex.initial, events, outcome: ex.outcome, stepTids, stepEnabled: stepTids.map((t) => 1 << t), stepStarts };
}
