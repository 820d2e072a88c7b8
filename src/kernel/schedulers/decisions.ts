/**
 * Replays a list of decisions: the serializable execution path (design.md). Decision
 * k at a thread pick selects the k-th candidate in preemption order (0 = keep running
 * the current thread); at a choice point, the k-th option. Every integer is valid
 * (taken modulo the number of candidates) and a missing decision counts as 0, so any
 * list a generator draws or a shrinker produces is a real execution.
 */
import type { Scheduler } from "../rt/scheduler.js";
import { preemptionOrder } from "../rt/scheduler.js";

export class DecisionScheduler implements Scheduler {
  private pos = 0;
  /** The decisions this execution consumed, normalised (each reduced modulo its options). */
  readonly used: number[] = [];
  /** How many options each consumed decision had (a replay token's must be below them). */
  readonly options: number[] = [];

  constructor(private readonly decisions: readonly number[]) {}

  private next(n: number): number {
    const raw = this.pos < this.decisions.length ? this.decisions[this.pos]! : 0;
    this.pos++;
    const d = ((raw % n) + n) % n;
    this.used.push(d);
    this.options.push(n);
    return d;
  }

  pickThread(enabled: readonly number[], current: number): number {
    const order = preemptionOrder(enabled, current);
    return order[this.next(order.length)]!;
  }

  pickChoice(_point: string, n: number): number {
    return this.next(n);
  }
}

/** Drops trailing zeros: they are the defaults, so the shorter list replays the same execution. */
export function trimDecisions(decisions: readonly number[]): number[] {
  let end = decisions.length;
  while (end > 0 && decisions[end - 1] === 0) end--;
  return decisions.slice(0, end);
}
