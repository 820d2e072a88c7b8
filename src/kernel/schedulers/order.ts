/**
 * Runs an execution's steps again in another order of the same class (exhaustive mode's
 * real-time variants): at each pick, the thread of the next step in `order`; at each
 * choice point, the option the original execution chose there (choices are made by a
 * thread after its step, so they go with the step's stretch). Records the decisions the
 * run took, as DecisionScheduler reads them, so the result replays with a token.
 */
import type { Scheduler } from "../rt/scheduler.js";
import { preemptionIndex } from "../rt/scheduler.js";
import type { VisibleOp } from "../rt/ops.js";

export class OrderScheduler implements Scheduler {
  readonly decisions: number[] = [];
  private steps = 0;
  /** Per original step (index + 1; 0: the runs before the first step), its choices still to make. */
  private readonly pending: number[][];

  constructor(
    /** The original steps, by index, in the order to run them. */
    private readonly order: readonly number[],
    /** The original steps' threads. */
    private readonly tids: readonly number[],
    /** The original choices: in each, the step whose stretch made it (-1: before any step) and the option. */
    choices: readonly { readonly stretch: number; readonly chosen: number }[],
  ) {
    this.pending = Array.from({ length: tids.length + 1 }, () => []);
    for (const c of choices) this.pending[c.stretch + 1]!.push(c.chosen);
  }

  pickThread(enabled: readonly number[], current: number): number {
    const tid = this.tids[this.order[this.steps]!];
    if (tid === undefined || !enabled.includes(tid)) throw new Error(`internal: a reordered step (${this.steps}) is not enabled`);
    this.decisions.push(preemptionIndex(enabled, current, tid));
    return tid;
  }

  pickChoice(_point: string, n: number): number {
    const stretch = this.steps === 0 ? -1 : this.order[this.steps - 1]!;
    const k = this.pending[stretch + 1]!.shift();
    if (k === undefined || k >= n) throw new Error(`internal: a reordered step's choice (${stretch}) is not the original's`);
    this.decisions.push(k);
    return k;
  }

  onStep(tid: number, _op: VisibleOp): void {
    if (tid !== this.tids[this.order[this.steps]!]) throw new Error(`internal: a reordered step (${this.steps}) ran on another thread`);
    this.steps++;
  }
}
