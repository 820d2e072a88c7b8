/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010): threads get distinct random priorities (all above d), d-1 change points
 * are drawn among the first k steps, the highest-priority enabled thread always runs,
 * and at the i-th change point the running thread's priority drops to i. A bug of depth
 * d is found by one run with probability at least 1/(n k^(d-1)) for n threads and k
 * steps.
 *
 * Its picks are recorded as decisions (preemption-order indices), so a PCT run replays
 * with the DecisionScheduler and shrinks like any other.
 */
import type { Scheduler } from "../rt/scheduler.js";
import { preemptionOrder } from "../rt/scheduler.js";

/** mulberry32: small, seedable, good enough to draw priorities. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class PctScheduler implements Scheduler {
  readonly used: number[] = [];
  private readonly random: () => number;
  private readonly priority: number[];
  private readonly changeAt: Map<number, number>;
  private step = 0;

  constructor(seed: number, threads: number, readonly depth: number, readonly k: number) {
    this.random = rng(seed);
    // Distinct initial priorities depth .. depth+threads-1, in random order.
    const prios = Array.from({ length: threads }, (_, i) => depth + i);
    for (let i = prios.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [prios[i], prios[j]] = [prios[j]!, prios[i]!];
    }
    this.priority = prios;
    this.changeAt = new Map();
    for (let i = 1; i < depth; i++) this.changeAt.set(1 + Math.floor(this.random() * k), depth - i);
  }

  pickThread(enabled: readonly number[], current: number): number {
    let best = enabled[0]!;
    for (const t of enabled) if ((this.priority[t] ?? 0) > (this.priority[best] ?? 0)) best = t;
    this.used.push(preemptionOrder(enabled, current).indexOf(best));
    return best;
  }

  pickChoice(_point: string, n: number): number {
    const k = Math.floor(this.random() * n);
    this.used.push(k);
    return k;
  }

  onStep(tid: number): void {
    this.step++;
    const drop = this.changeAt.get(this.step);
    if (drop !== undefined) this.priority[tid] = drop;
  }
}

/** The per-run lower bound PCT guarantees for a bug of depth d. */
export function pctGuarantee(threads: number, steps: number, depth: number): number {
  return 1 / (threads * steps ** (depth - 1));
}
