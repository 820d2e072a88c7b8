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
import type { Scheduler } from "../../kernel/rt/scheduler.js";
import { preemptionIndex } from "../../kernel/rt/scheduler.js";
import type { Access } from "./access.js";
import { accessOf, dependent } from "./access.js";

interface ThreadNode {
  readonly kind: "thread";
  /** Steps executed before this decision. */
  readonly step: number;
  readonly enabled: readonly number[];
  /** The access each enabled thread would make here. */
  readonly pending: ReadonlyMap<number, Access>;
  /** Threads asleep on entry: their next step here was explored from an ancestor. */
  readonly sleep: ReadonlyMap<number, Access>;
  readonly done: Set<number>;
  readonly backtrack: Set<number>;
  /** The thread that took the previous step; switching away from it while enabled is a preemption. */
  readonly current: number;
  readonly preemptionsBefore: number;
  chosen: number;
}

interface ChoiceNode {
  readonly kind: "choice";
  readonly n: number;
  chosen: number;
}

type Node = ThreadNode | ChoiceNode;

export interface ExploreOptions {
  /** "dpor": source sets + sleep sets; "none": every interleaving (for counting and comparison). */
  readonly reduction: "dpor" | "none";
  /** Explore only schedules with at most this many preemptions (CHESS-style bounding). */
  readonly preemptionBound?: number;
}

export interface ExploreStats {
  /** Executions run (complete + pruned). */
  readonly executions: number;
  /** Executions that ran to the end: with DPOR, one per equivalence class. */
  readonly complete: number;
  /** Executions stopped because a sleep set showed them redundant. */
  readonly pruned: number;
}

/** One execution's scheduler: replays a prefix of decisions, then decides by default and records. */
class DporRun implements Scheduler {
  readonly nodes: Node[] = [];
  readonly steps: { tid: number; access: Access }[] = [];
  /** Decisions in DecisionScheduler form, to replay this execution with a token. */
  readonly decisions: number[] = [];
  private pos = 0;
  /**
   * Steps taken before the last replayed node: the trace up to there is the previous
   * execution's, and so are the races within it, already analysed.
   */
  replayedSteps = 0;
  private sleep = new Map<number, Access>();
  private preemptions = 0;

  constructor(
    private readonly prefix: readonly Node[],
    private readonly reduce: boolean,
  ) {}

  pickThread(enabled: readonly number[], current: number, pending: (tid: number) => VisibleOp): number {
    let node: ThreadNode;
    if (this.pos < this.prefix.length) {
      node = this.prefix[this.pos] as ThreadNode;
    } else {
      const pend = new Map<number, Access>();
      for (const t of enabled) pend.set(t, accessOf(pending(t)));
      const awake = enabled.filter((t) => !this.sleep.has(t));
      if (this.reduce && awake.length === 0) return -1;
      const candidates = this.reduce ? awake : enabled;
      const pick = candidates.includes(current) ? current : candidates[0]!;
      node = {
        kind: "thread",
        step: this.steps.length,
        enabled: [...enabled],
        pending: pend,
        sleep: new Map(this.sleep),
        done: new Set([pick]),
        backtrack: new Set(this.reduce ? [pick] : enabled),
        current,
        preemptionsBefore: this.preemptions,
        chosen: pick,
      };
    }
    if (this.pos === this.prefix.length - 1) this.replayedSteps = this.steps.length;
    this.pos++;
    this.nodes.push(node);
    const p = node.chosen;
    if (this.reduce) {
      // Asleep below: what was asleep here, and the siblings explored before p, if independent of p.
      const pa = node.pending.get(p)!;
      const next = new Map<number, Access>();
      for (const [r, a] of node.sleep) if (!dependent(a, pa)) next.set(r, a);
      for (const r of node.done) if (r !== p && !dependent(node.pending.get(r)!, pa)) next.set(r, node.pending.get(r)!);
      this.sleep = next;
    }
    if (enabled.includes(current) && p !== current) this.preemptions++;
    this.decisions.push(preemptionIndex(enabled, current, p));
    return p;
  }

  pickChoice(_point: string, n: number): number {
    let node: ChoiceNode;
    if (this.pos < this.prefix.length) node = this.prefix[this.pos] as ChoiceNode;
    else node = { kind: "choice", n, chosen: 0 };
    if (this.pos === this.prefix.length - 1) this.replayedSteps = this.steps.length;
    this.pos++;
    this.nodes.push(node);
    this.decisions.push(node.chosen);
    return node.chosen;
  }

  onStep(tid: number, op: VisibleOp): void {
    const access = accessOf(op);
    this.steps.push({ tid, access });
    if (this.reduce) for (const [r, a] of this.sleep) if (dependent(a, access)) this.sleep.delete(r);
  }
}

/**
 * Runs `run` once per explored execution and hands each complete one to `visit`.
 * `run` must execute the same program each time with the scheduler it is given.
 */
export function exploreProgram(
  run: (scheduler: Scheduler) => Execution,
  options: ExploreOptions,
  visit: (ex: Execution, decisions: readonly number[]) => void,
): ExploreStats {
  const reduce = options.reduction === "dpor";
  const bound = options.preemptionBound ?? Infinity;
  let stack: Node[] = [];
  let executions = 0;
  let complete = 0;
  let pruned = 0;
  for (;;) {
    const sched = new DporRun(stack, reduce);
    const ex = run(sched);
    executions++;
    if (ex.outcome === "pruned") pruned++;
    else {
      complete++;
      visit(ex, sched.decisions);
    }
    stack = sched.nodes;
    if (reduce) addBacktracks(sched.steps, stack, sched.replayedSteps);
    if (!backtrack(stack, bound)) break;
  }
  return { executions, complete, pruned };
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
      const currentEnabled = node.enabled.includes(node.current);
      for (const t of [...node.backtrack].sort((a, b) => a - b)) {
        if (node.done.has(t) || node.sleep.has(t) || !node.enabled.includes(t)) continue;
        const cost = node.preemptionsBefore + (currentEnabled && t !== node.current ? 1 : 0);
        if (cost > bound) continue;
        node.done.add(t);
        node.chosen = t;
        return true;
      }
    }
    stack.pop();
  }
  return false;
}

/** The vector clocks of addBacktracks, one row of `nThreads` per step: reused between executions. */
let clockRows = new Int32Array(1 << 12);

/**
 * Race detection over one trace (vector clocks), adding source-set entries to the nodes.
 * Races whose later step comes before `from` lie in the prefix this execution replayed:
 * the previous execution had them, with the same steps in between, and added their
 * entries to the same nodes; only the clocks are recomputed there.
 */
function addBacktracks(steps: readonly { tid: number; access: Access }[], nodes: readonly Node[], from: number): void {
  // Indexed by step, location number (Access.id) and thread: arrays, not maps, on this path.
  const nodeAt: (ThreadNode | undefined)[] = [];
  for (const n of nodes) if (n.kind === "thread") nodeAt[n.step] = n;
  let nThreads = 0;
  for (const st of steps) if (st.tid >= nThreads) nThreads = st.tid + 1;
  const n = nThreads;
  // Row s (at s*n) is step s's clock; two scratch rows after the last step: `base`, `via`.
  const need = (steps.length + 2) * n;
  if (clockRows.length < need) clockRows = new Int32Array(Math.max(need, 2 * clockRows.length));
  const C = clockRows;
  const BASE = steps.length * n;
  const VIA = BASE + n;
  const seq: number[] = []; // position of each step within its thread, from 1
  const threadRow = new Int32Array(n).fill(-1); // each thread's last step (-1: none yet)
  const lastWrite: (number | undefined)[] = [];
  const readsSince: (number[] | undefined)[] = [];
  const lastAcquire: (number | undefined)[][] = Array.from({ length: n }, () => []); // [tid][loc] -> step
  const conflicts: number[] = [];

  /** Row `into` := max(row `into`, row `from`). */
  const join = (into: number, from: number): void => {
    for (let k = 0; k < n; k++) if (C[from + k]! > C[into + k]!) C[into + k] = C[from + k]!;
  };
  const hb = (x: number, y: number): boolean => x < y && C[y * n + steps[x]!.tid]! >= seq[x]!;

  for (let s = 0; s < steps.length; s++) {
    const { tid, access } = steps[s]!;
    const loc = access.id;
    const prev = threadRow[tid]!;
    if (prev >= 0) C.copyWithin(BASE, prev * n, prev * n + n);
    else C.fill(0, BASE, BASE + n);
    C[BASE + tid] = C[BASE + tid]! + 1;
    seq[s] = C[BASE + tid]!;
    conflicts.length = 0;
    const w = lastWrite[loc];
    if (w !== undefined) conflicts.push(w);
    if (access.write) {
      const rs = readsSince[loc];
      if (rs) for (const r of rs) conflicts.push(r);
    }
    if (s >= from) {
      for (const e of conflicts) {
        const te = steps[e]!.tid;
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
    }
    const row = s * n;
    C.copyWithin(row, BASE, BASE + n);
    for (const o of conflicts) join(row, o * n);
    threadRow[tid] = s;
    if (access.write) {
      lastWrite[loc] = s;
      readsSince[loc] = [];
    } else {
      const rs = readsSince[loc];
      if (rs) rs.push(s);
      else readsSince[loc] = [s];
    }
    if (access.lock === "acquire") lastAcquire[tid]![loc] = s;
  }

  function race(e0: number, s: number, sRow: number): void {
    let e = e0;
    // A blocked acquire cannot go before the release; reverse it at that release's acquire.
    if (steps[s]!.access.lock === "acquire" && steps[e]!.access.lock === "release") {
      const a = lastAcquire[steps[e]!.tid]![steps[e]!.access.id];
      if (a === undefined) return;
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
      const t = steps[u]!.tid;
      let preceded = firstInV[t]! > 0;
      for (let k = 0; k < n && !preceded; k++) if (firstInV[k]! > 0 && C[row + k]! >= firstInV[k]!) preceded = true;
      if (firstInV[t] === 0) firstInV[t] = seq[u]!;
      if (preceded) return false;
      if (node.backtrack.has(t)) return true; // some initial is already scheduled there
      initials.push(t);
      return false;
    };
    for (let u = e + 1; u < s; u++) if (!hb(e, u) && consider(u, u * n)) return;
    if (consider(s, sRow)) return;
    const ok = (t: number) => node.enabled.includes(t) && !node.sleep.has(t);
    const q = ok(steps[s]!.tid) && initials.includes(steps[s]!.tid) ? steps[s]!.tid : initials.find(ok);
    if (q !== undefined) node.backtrack.add(q);
  }
}
