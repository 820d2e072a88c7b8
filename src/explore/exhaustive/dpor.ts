/**
 * Every interleaving of one program, up to equivalence: stateless dynamic partial-order
 * reduction with source sets and sleep sets (Abdulla, Aronis, Jonsson, Sagonas,
 * "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1, "Source-DPOR").
 *
 * Each execution is re-run from the start following a prefix of decisions (the runtime
 * has no snapshots). After it, the races in its trace (pairs of dependent steps of
 * different threads, ordered by nothing but themselves) say which other thread must be
 * tried first at which earlier decision; sleep sets keep an equivalent execution from
 * being completed twice (one that would is stopped: "pruned"). Choice points branch on
 * every option. Complete executions are one per Mazurkiewicz trace; the pruned ones are
 * the redundancy Source-DPOR has over optimal DPOR (which adds wakeup trees).
 *
 * Locks: acquire/release of one mutex are dependent. A release→acquire race cannot be
 * reversed (the acquire was blocked), so it is reversed at the release's own acquire.
 * A race whose reversal starts with a thread that was not enabled there (a `wait` for a
 * signal) is not reversible and is skipped.
 */
import type { Execution } from "../../kernel/rt/execution.js";
import type { VisibleOp } from "../../kernel/rt/ops.js";
import type { Call } from "../../kernel/rt/trace.js";
import type { Scheduler } from "../../kernel/rt/scheduler.js";
import { CALL_INVOKED, CALL_RETURNED, ENDED, OBSERVED, preemptionIndex } from "../../kernel/rt/scheduler.js";
import type { Access } from "./access.js";
import { CONTEXT_WRITE, ENDS, JUDGED_WRITE, READS_CONTEXT, READS_JUDGED, accessOf, dependent, withCalls } from "./access.js";
import type { JudgedCells } from "../../../properties/property.js";
import { OrderScheduler } from "../../kernel/schedulers/order.js";
import type { HappensBefore, RealTimeVariant } from "./real-time-variants.js";
import { realTimeVariants } from "./real-time-variants.js";

/** A real-time variant run for real (in its order), with the decisions that replay it. */
export interface Materialized {
  readonly ex: Execution;
  readonly decisions: readonly number[];
}

interface ThreadNode {
  readonly kind: "thread";
  /** Steps executed before this decision. */
  readonly step: number;
  /** The threads that could step here, as a bitmask (bit t: thread t; the runtime's limit is 31 threads). */
  readonly enabled: number;
  /** Threads asleep on entry (bitmask): their next step here was explored from an ancestor. */
  readonly sleep: number;
  /** For each thread asleep on entry, the step it is asleep for. */
  readonly asleepFor: readonly (Access | undefined)[];
  /** For each thread explored from here, the step it took (with the calls it invoked or returned). */
  readonly took: (Access | undefined)[];
  /** Threads explored from here (bitmask). */
  done: number;
  /** Threads to explore from here (bitmask): the source set. */
  backtrack: number;
  /** The thread that took the previous step; switching away from it while enabled is a preemption. */
  readonly current: number;
  readonly preemptionsBefore: number;
  chosen: number;
}

interface ChoiceNode {
  readonly kind: "choice";
  readonly n: number;
  /** The step after which the choice was made (its thread's stretch); -1 before any. */
  readonly stretch: number;
  chosen: number;
}

type Node = ThreadNode | ChoiceNode;

export interface ExploreOptions {
  /** "dpor": source sets + sleep sets; "none": every interleaving (for counting and comparison). */
  readonly reduction: "dpor" | "none";
  /** Explore only schedules with at most this many preemptions (CHESS-style bounding). */
  readonly preemptionBound?: number;
  /**
   * Keep apart executions whose calls differ in real-time order (one call returned before
   * another began in one, not in the other), as `linearizable` judges them: a step that
   * returns a call and another thread's step that invokes one are then dependent.
   * "variants": instead, after each complete execution, visit the executions of its class
   * whose real-time orders are strongest (real-time-variants.ts): fewer executions, the
   * same verdicts for properties monotone in real time (`linearizable`).
   */
  readonly realTime?: boolean | "variants";
  /**
   * The cells whose values the properties judge at other events than their own steps
   * (`Property.judges`): their writes are ordered with each other and with the steps
   * that carry the events named (access.ts).
   */
  readonly judges?: readonly JudgedCells[];
}

export interface ExploreStats {
  /** Executions run (complete + pruned). */
  readonly executions: number;
  /** Executions that ran to the end: with DPOR, one per equivalence class. */
  readonly complete: number;
  /** Executions stopped because a sleep set showed them redundant. */
  readonly pruned: number;
  /** With realTime "variants": the other real-time orders of the complete executions' classes listed (judged by their histories, not run). */
  readonly variants: number;
}

const bit = (t: number): number => (t >= 0 ? 1 << t : 0);
/** The lowest thread in a bitmask. */
const lowest = (mask: number): number => 31 - Math.clz32(mask & -mask);

/** One execution's scheduler: replays a prefix of decisions, then decides by default and records. */
class DporRun implements Scheduler {
  readonly nodes: Node[] = [];
  /** Each step's thread and access (its calls filled in by afterStep). */
  readonly tids: number[] = [];
  readonly accesses: Access[] = [];
  /** Each step's CALL_INVOKED | CALL_RETURNED (afterStep): which steps' stretches hold invocations and returns. */
  readonly boundaries: number[] = [];
  /** Decisions in DecisionScheduler form, to replay this execution with a token. */
  readonly decisions: number[] = [];
  private pos = 0;
  /**
   * Steps taken before the last replayed node: the trace up to there is the previous
   * execution's, and so are the races within it, already analysed.
   */
  replayedSteps = 0;
  /** Threads asleep now (bitmask) and the step each is asleep for. */
  private sleep = 0;
  private asleepFor: readonly (Access | undefined)[] = [];
  private preemptions = 0;
  /** The node that chose the step in progress (null: only one thread could take it). */
  private chooser: ThreadNode | null = null;

  constructor(
    private readonly prefix: readonly Node[],
    private readonly reduce: boolean,
    private readonly realTime: boolean,
    /** What a write of a location (by number) carries: JUDGED_WRITE, CONTEXT_WRITE; null when no property judges any cell. */
    private readonly writeRole: ((id: number, loc: string) => number) | null,
    /** What a step's events (CALL_INVOKED, CALL_RETURNED, OBSERVED) and calls read: READS_JUDGED, READS_CONTEXT. */
    private readonly eventReads: ((events: number, calls: readonly Call[]) => number) | null,
  ) {}

  pickThread(enabled: readonly number[], current: number): number {
    let node: ThreadNode;
    if (this.pos < this.prefix.length) {
      node = this.prefix[this.pos] as ThreadNode;
    } else {
      let mask = 0;
      for (const t of enabled) mask |= 1 << t;
      const awake = mask & ~this.sleep;
      if (this.reduce && awake === 0) return -1;
      const candidates = this.reduce ? awake : mask;
      const pick = candidates & bit(current) ? current : lowest(candidates);
      node = {
        kind: "thread",
        step: this.tids.length,
        enabled: mask,
        sleep: this.sleep,
        // Never changed in place (afterStep makes a new one), so the node can share it.
        asleepFor: this.asleepFor,
        took: [],
        done: 1 << pick,
        backtrack: this.reduce ? 1 << pick : mask,
        current,
        preemptionsBefore: this.preemptions,
        chosen: pick,
      };
    }
    if (this.pos === this.prefix.length - 1) this.replayedSteps = this.tids.length;
    this.pos++;
    this.nodes.push(node);
    const p = node.chosen;
    this.chooser = node;
    if (node.enabled & bit(current) && p !== current) this.preemptions++;
    this.decisions.push(preemptionIndex(enabled, current, p));
    return p;
  }

  pickChoice(_point: string, n: number): number {
    let node: ChoiceNode;
    if (this.pos < this.prefix.length) node = this.prefix[this.pos] as ChoiceNode;
    else node = { kind: "choice", n, stretch: this.tids.length - 1, chosen: 0 };
    // A choice comes after the step in progress, whose carried events (afterStep) it can
    // change: that step's races are analysed again.
    if (this.pos === this.prefix.length - 1) this.replayedSteps = Math.max(0, this.tids.length - 1);
    this.pos++;
    this.nodes.push(node);
    this.decisions.push(node.chosen);
    return node.chosen;
  }

  onStep(tid: number, op: VisibleOp): void {
    let a = accessOf(op);
    if (a.write && a.lock === null && this.writeRole) a = withCalls(a, this.writeRole(a.id, a.loc));
    this.tids.push(tid);
    this.accesses.push(a);
    // Kept now in case the execution ends with this step (an oops): a sibling explored later needs it.
    if (this.chooser) this.chooser.took[tid] ??= a;
  }

  afterStep(tid: number, events: number, stepCalls: readonly Call[]): void {
    const last = this.accesses.length - 1;
    let a = this.accesses[last]!;
    this.boundaries[last] = events & (CALL_INVOKED | CALL_RETURNED);
    const calls =
      a.calls |
      (this.realTime ? events & (CALL_INVOKED | CALL_RETURNED) : 0) |
      (events !== 0 && this.eventReads ? this.eventReads(events, stepCalls) : 0) |
      (events & ENDED ? ENDS : 0);
    if (calls !== a.calls) this.accesses[last] = a = withCalls(a, calls);
    const node = this.chooser;
    this.chooser = null;
    // What the step carries can depend on a choice made after it (explored below this node):
    // a sibling asleep for it must know all it may carry.
    if (node) {
      const before = node.took[tid]!;
      node.took[tid] = before === a || (before.calls | a.calls) === a.calls ? a : withCalls(a, before.calls | a.calls);
    }
    if (!this.reduce) return;
    // Asleep below: what was asleep before the step and, when it was chosen, the siblings
    // explored before it, if independent of it.
    let from = this.sleep;
    let asleepFor = this.asleepFor;
    if (node) {
      from = node.sleep | (node.done & ~(1 << tid));
      asleepFor = node.asleepFor;
    }
    if (from === 0) {
      this.sleep = 0;
      return;
    }
    let sleep = 0;
    const next: (Access | undefined)[] = [];
    for (let rest = from; rest !== 0; rest &= rest - 1) {
      const r = lowest(rest);
      const b = node && node.sleep & (1 << r) ? node.asleepFor[r]! : node ? node.took[r]! : asleepFor[r]!;
      if (dependent(b, a)) continue;
      sleep |= 1 << r;
      next[r] = b;
    }
    if (sleep === from && !node) return; // nothing woke up: keep the same one
    this.sleep = sleep;
    this.asleepFor = next;
  }
}

/**
 * Runs `run` once per explored execution and hands each complete one to `visit`.
 * `run` must execute the same program each time with the scheduler it is given.
 */
export function exploreProgram(
  run: (scheduler: Scheduler) => Execution,
  options: ExploreOptions,
  /**
   * `variant` is given for a real-time variant: `ex` was not run but reordered (its
   * `decisions` are empty and its `stepEnabled` unknown); only properties that judge real
   * time need it, and `variant()` runs it for real.
   */
  visit: (ex: Execution, decisions: readonly number[], variant?: () => Materialized) => void,
  /**
   * With realTime "variants": told each variant instead of `visit`, to judge it by its
   * shape where that is enough, and to make its execution only where it is not.
   */
  visitVariant?: (variant: RealTimeVariant, materialize: () => Materialized) => void,
): ExploreStats {
  const reduce = options.reduction === "dpor";
  const realTime = reduce && options.realTime === true;
  const variants = reduce && options.realTime === "variants";
  const judges = reduce ? options.judges : undefined;
  // What a write of each location number carries, asked of `judges` once per location.
  const roles: (number | undefined)[] = [];
  const roleOf = (loc: string): number =>
    (judges!.some((j) => j.cells(loc)) ? JUDGED_WRITE : 0) | (judges!.some((j) => j.context?.(loc)) ? CONTEXT_WRITE : 0);
  const writeRole = judges?.length ? (id: number, loc: string) => (roles[id] ??= roleOf(loc)) : null;
  const eventReads = judges?.length ? eventReadsBy(judges) : null;
  const bound = options.preemptionBound ?? Infinity;
  let stack: Node[] = [];
  let executions = 0;
  let complete = 0;
  let pruned = 0;
  let listed = 0;
  for (;;) {
    const sched = new DporRun(stack, reduce, realTime, writeRole, eventReads);
    const ex = run(sched);
    executions++;
    stack = sched.nodes;
    // The races first: their clocks are the happens-before the variants reorder within.
    const hb = reduce ? addBacktracks(sched.tids, sched.accesses, stack, sched.replayedSteps, realTime || writeRole !== null) : null;
    if (ex.outcome === "pruned") pruned++;
    else {
      complete++;
      visit(ex, sched.decisions);
      if (variants && hb) {
        const choices = stack.filter((n): n is ChoiceNode => n.kind === "choice");
        for (const v of realTimeVariants(ex, hb, sched.boundaries)) {
          const materialize = (): Materialized => {
            const replay = new OrderScheduler(v.order, ex.stepTids, choices);
            return { ex: run(replay), decisions: replay.decisions };
          };
          listed++;
          if (visitVariant) visitVariant(v, materialize);
          else visit(v.execution(), [], materialize);
        }
      }
    }
    if (!backtrack(stack, bound)) break;
  }
  return { executions, complete, pruned, variants: listed };
}

/**
 * What a step's events read for the properties: the judged cells (READS_JUDGED) or the
 * context cells (READS_CONTEXT), at an observation they are read at, or at an invocation
 * or return (of one of the calls named, when they are).
 */
function eventReadsBy(judges: readonly JudgedCells[]): (events: number, calls: readonly Call[]) => number {
  const AT = { invoke: CALL_INVOKED, return: CALL_RETURNED, observe: OBSERVED } as const;
  const maskOf = (at: readonly (keyof typeof AT)[] | undefined) => (at ?? []).reduce((m, e) => m | AT[e], 0);
  const each = judges.flatMap((j) => [
    { mask: maskOf(j.at), calls: j.calls, reads: READS_JUDGED },
    { mask: maskOf(j.contextAt), calls: j.calls, reads: READS_CONTEXT },
  ]);
  return (events, calls) => {
    let reads = 0;
    for (const j of each)
      if (
        (events & j.mask & OBSERVED) !== 0 ||
        ((events & j.mask & (CALL_INVOKED | CALL_RETURNED)) !== 0 && (j.calls === undefined || calls.some(j.calls)))
      )
        reads |= j.reads;
    return reads;
  };
}

/** Moves the deepest node with an unexplored alternative to it; false when none is left. */
function backtrack(stack: Node[], bound: number): boolean {
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    if (node.kind === "choice") {
      if (node.chosen + 1 < node.n) {
        node.chosen++;
        return true;
      }
    } else {
      const currentEnabled = (node.enabled & bit(node.current)) !== 0;
      for (let rest = node.backtrack & ~node.done & ~node.sleep & node.enabled; rest !== 0; rest &= rest - 1) {
        const t = lowest(rest);
        const cost = node.preemptionsBefore + (currentEnabled && t !== node.current ? 1 : 0);
        if (cost > bound) continue;
        node.done |= 1 << t;
        node.chosen = t;
        return true;
      }
    }
    stack.pop();
  }
  return false;
}

/** Scratch space of addBacktracks, reused between executions (grown as needed). */
const scratch = {
  /** The vector clocks, one row of `nThreads` per step. */
  clocks: new Int32Array(1 << 12),
  /** Each step's position within its thread, from 1. */
  seq: new Int32Array(1 << 10),
  /** For a read, the read of the same location before it since the last write (-1: none). */
  prevRead: new Int32Array(1 << 10),
  /** By location number: the last write and the last read since it (-1: none); reset after each trace. */
  lastWrite: new Int32Array(1 << 8).fill(-1),
  lastRead: new Int32Array(1 << 8).fill(-1),
};

function grown(a: Int32Array<ArrayBuffer>, need: number, fill?: number): Int32Array<ArrayBuffer> {
  if (a.length >= need) return a;
  const b = new Int32Array(Math.max(need, 2 * a.length));
  if (fill !== undefined) b.fill(fill);
  return b;
}

/**
 * Race detection over one trace (vector clocks), adding source-set entries to the nodes;
 * returns the clocks (scratch space: valid until the next call).
 * Races whose later step comes before `from` lie in the prefix this execution replayed:
 * the previous execution had them, with the same steps in between, and added their
 * entries to the same nodes; only the clocks are recomputed there.
 */
function addBacktracks(tids: readonly number[], accesses: readonly Access[], nodes: readonly Node[], from: number, carries: boolean): HappensBefore {
  const steps = tids.length;
  // Indexed by step, location number (Access.id) and thread: arrays, not maps, on this path.
  const nodeAt: (ThreadNode | undefined)[] = new Array(steps);
  for (const node of nodes) if (node.kind === "thread") nodeAt[node.step] = node;
  let n = 0;
  let locs = 0;
  for (let s = 0; s < steps; s++) {
    if (tids[s]! >= n) n = tids[s]! + 1;
    if (accesses[s]!.id >= locs) locs = accesses[s]!.id + 1;
  }
  // Row s (at s*n) is step s's clock; two scratch rows after the last step: `base`, `via`.
  const C = (scratch.clocks = grown(scratch.clocks, (steps + 2) * n));
  const seq = (scratch.seq = grown(scratch.seq, steps));
  const prevRead = (scratch.prevRead = grown(scratch.prevRead, steps));
  const lastWrite = (scratch.lastWrite = grown(scratch.lastWrite, locs, -1));
  const lastRead = (scratch.lastRead = grown(scratch.lastRead, locs, -1));
  const BASE = steps * n;
  const VIA = BASE + n;
  const threadRow = new Int32Array(n).fill(-1); // each thread's last step (-1: none yet)
  // With realTime: each thread's last step that invoked a call, and that returned one.
  const lastInvoke = new Int32Array(n).fill(-1);
  const lastReturn = new Int32Array(n).fill(-1);
  // The last step that wrote a judged cell, and the steps since that read them (READS_JUDGED,
  // and the context cells' writes, which are judged against them).
  let lastJudgedWrite = -1;
  const judgedReads: number[] = [];
  // Each context cell's last write (by location number), and the steps that read the context cells (READS_CONTEXT).
  const lastContextWrite = new Map<number, number>();
  const contextReads: number[] = [];
  const conflicts: number[] = [];

  /** Row `into` := max(row `into`, row `from`). */
  const join = (into: number, from: number): void => {
    for (let k = 0; k < n; k++) if (C[from + k]! > C[into + k]!) C[into + k] = C[from + k]!;
  };
  const hb = (x: number, y: number): boolean => x < y && C[y * n + tids[x]!]! >= seq[x]!;
  /** Step `x` into `conflicts`, once. */
  const conflict = (x: number): void => {
    if (!conflicts.includes(x)) conflicts.push(x);
  };
  /** Each other thread's step in `last` (its last invocation or return; -1: none), into `conflicts`. */
  const otherThreads = (tid: number, last: Int32Array): void => {
    for (let u = 0; u < n; u++) if (u !== tid && last[u]! >= 0) conflict(last[u]!);
  };

  for (let s = 0; s < steps; s++) {
    const tid = tids[s]!;
    const access = accesses[s]!;
    const loc = access.id;
    const prev = threadRow[tid]!;
    if (prev >= 0) C.copyWithin(BASE, prev * n, prev * n + n);
    else C.fill(0, BASE, BASE + n);
    C[BASE + tid] = C[BASE + tid]! + 1;
    seq[s] = C[BASE + tid]!;
    conflicts.length = 0;
    const w = lastWrite[loc]!;
    if (w >= 0) conflicts.push(w);
    if (access.write) {
      // The reads since the last write, oldest first.
      const first = conflicts.length;
      for (let r = lastRead[loc]!; r >= 0; r = prevRead[r]!) conflicts.push(r);
      for (let i = first, j = conflicts.length - 1; i < j; i++, j--) [conflicts[i], conflicts[j]] = [conflicts[j]!, conflicts[i]!];
    }
    // The step that ended the execution: every other thread's steps after it are gone.
    if (access.calls & ENDS) otherThreads(tid, threadRow);
    if (carries) {
      if (access.calls & CALL_INVOKED) otherThreads(tid, lastReturn);
      if (access.calls & CALL_RETURNED) otherThreads(tid, lastInvoke);
      if (access.calls & (JUDGED_WRITE | READS_JUDGED | CONTEXT_WRITE) && lastJudgedWrite >= 0) conflict(lastJudgedWrite);
      if (access.calls & JUDGED_WRITE) for (const r of judgedReads) conflict(r);
      if (access.calls & CONTEXT_WRITE) {
        // The reads of the context since this cell's last write.
        const since = lastContextWrite.get(loc) ?? -1;
        for (let i = contextReads.length - 1; i >= 0 && contextReads[i]! > since; i--) conflict(contextReads[i]!);
      }
      if (access.calls & READS_CONTEXT) for (const w of lastContextWrite.values()) conflict(w);
    }
    if (s >= from) {
      for (const e of conflicts) {
        const te = tids[e]!;
        if (te === tid) continue;
        // Ordered already through another conflict or program order? Then not a race.
        if (C[BASE + te]! >= seq[e]!) continue;
        let via = BASE;
        if (conflicts.length > 1) {
          via = VIA;
          C.copyWithin(VIA, BASE, BASE + n);
          for (const o of conflicts) if (o !== e) join(VIA, o * n);
          if (C[VIA + te]! >= seq[e]!) continue;
        }
        // s's order without the race edge itself, for the initials
        race(e, s, via);
      }
      // And every thread that could have stepped instead of it, its next step never taken.
      const at = nodeAt[s];
      if (access.calls & ENDS && at) at.backtrack |= at.enabled & ~at.sleep & ~(1 << tid);
    }
    const row = s * n;
    C.copyWithin(row, BASE, BASE + n);
    for (const o of conflicts) join(row, o * n);
    threadRow[tid] = s;
    if (access.write) {
      lastWrite[loc] = s;
      lastRead[loc] = -1;
    } else {
      prevRead[s] = lastRead[loc]!;
      lastRead[loc] = s;
    }
    if (access.calls & CALL_INVOKED) lastInvoke[tid] = s;
    if (access.calls & CALL_RETURNED) lastReturn[tid] = s;
    if (access.calls & JUDGED_WRITE) {
      lastJudgedWrite = s;
      judgedReads.length = 0;
    } else if (access.calls & (READS_JUDGED | CONTEXT_WRITE)) judgedReads.push(s);
    if (access.calls & CONTEXT_WRITE) lastContextWrite.set(loc, s);
    if (access.calls & READS_CONTEXT) contextReads.push(s);
  }
  for (let s = 0; s < steps; s++) lastWrite[accesses[s]!.id] = lastRead[accesses[s]!.id] = -1;
  return { clocks: C, seq, threads: n };

  function race(e0: number, s: number, sRow: number): void {
    let e = e0;
    // A blocked acquire cannot go before the release; reverse it at that release's acquire
    // (the releasing thread's last acquire of the mutex before it).
    const ae = accesses[e]!;
    if (accesses[s]!.lock === "acquire" && ae.lock === "release" && ae.id === accesses[s]!.id) {
      let a = e - 1;
      while (a >= 0 && !(tids[a] === tids[e] && accesses[a]!.id === ae.id && accesses[a]!.lock === "acquire")) a--;
      if (a < 0) return;
      e = a;
    }
    const node = nodeAt[e];
    if (!node) return; // one thread could run there: nothing to reverse
    // v = notdep(e, E).s: the steps after e not ordered after it, then s. Its initials are
    // the threads whose first step in v nothing earlier in v precedes. A step u follows an
    // earlier member of v iff it follows that thread's first member of v (program order).
    const firstInV = new Int32Array(n); // 0: no member of v from that thread yet
    const initials: number[] = [];
    const consider = (u: number, row: number): boolean => {
      const t = tids[u]!;
      let preceded = firstInV[t]! > 0;
      for (let k = 0; k < n && !preceded; k++) if (firstInV[k]! > 0 && C[row + k]! >= firstInV[k]!) preceded = true;
      if (firstInV[t] === 0) firstInV[t] = seq[u]!;
      if (preceded) return false;
      if (node.backtrack & (1 << t)) return true; // some initial is already scheduled there
      initials.push(t);
      return false;
    };
    for (let u = e + 1; u < s; u++) if (!hb(e, u) && consider(u, u * n)) return;
    if (consider(s, sRow)) return;
    const ok = (t: number) => (node.enabled & ~node.sleep & (1 << t)) !== 0;
    const ts = tids[s]!;
    const q = ok(ts) && initials.includes(ts) ? ts : initials.find(ok);
    if (q !== undefined) node.backtrack |= 1 << q;
  }
}
