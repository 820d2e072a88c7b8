/**
 * The one interface every exploration strategy implements (as in shuttle: one
 * strategy a file behind one interface). The runtime asks it only where there is a
 * real choice: two or more threads can step, or a choice point has options.
 */
import type { VisibleOp } from "./ops.js";
import type { Call } from "./trace.js";

export interface Scheduler {
  /**
   * Pick which of `enabled` (two or more thread ids, ascending) takes the next step.
   * `current` is the thread that took the previous step (-1 before the first).
   * `pending(tid)` is the op that thread would execute. Returning -1 ends the
   * execution here (outcome "pruned": an explorer knows its rest is redundant).
   */
  pickThread(enabled: readonly number[], current: number, pending: (tid: number) => VisibleOp): number;
  /** Pick one of `n` (two or more) options at the named choice point; returns an index. */
  pickChoice(point: string, n: number): number;
  /** Told after every step, the single-thread ones included (DPOR's sleep sets follow them). */
  onStep?(tid: number, op: VisibleOp): void;
  /**
   * Told after a step once its thread has run on to its next visible op: `events` says
   * whether that thread invoked a call (CALL_INVOKED), returned one (CALL_RETURNED),
   * made an observation (OBSERVED) or ended the execution (ENDED) in that stretch, the step included. Those events are
   * not steps; they go where the step goes, so their order with other threads' steps
   * follows the step's. `calls` are the calls invoked or returned in that stretch (read
   * it then: it is reused for the next step).
   */
  afterStep?(tid: number, events: number, calls: readonly Call[]): void;
}

/** In `Scheduler.afterStep`: a call was invoked with the step or after it. */
export const CALL_INVOKED = 1;
/** In `Scheduler.afterStep`: a call returned after the step. */
export const CALL_RETURNED = 2;
/** In `Scheduler.afterStep`: an `observe` op ran after the step. */
export const OBSERVED = 4;
/** In `Scheduler.afterStep`: the execution ended with the step (an oops): no thread steps again. */
export const ENDED = 8;

/**
 * Candidates in preemption order: the current thread first (if it can step), then the
 * others cyclically after it. Index 0 is never a preemption, so a decision list of
 * zeros runs threads one after another and smaller decisions mean fewer switches.
 */
export function preemptionOrder(enabled: readonly number[], current: number): number[] {
  const after: number[] = [];
  const before: number[] = [];
  let self = false;
  for (const t of enabled) {
    if (t === current) self = true;
    else if (t > current) after.push(t);
    else before.push(t);
  }
  return self ? [current, ...after, ...before] : [...after, ...before];
}

/** `preemptionOrder(enabled, current).indexOf(tid)`, without making the order. */
export function preemptionIndex(enabled: readonly number[], current: number, tid: number): number {
  const self = enabled.includes(current);
  if (tid === current) return self ? 0 : -1;
  let k = self ? 1 : 0;
  // The threads after `current` come first, then those before it, each ascending.
  if (tid > current) {
    for (const t of enabled) if (t > current && t < tid) k++;
  } else {
    for (const t of enabled) if (t > current || t < tid) k++;
  }
  return enabled.includes(tid) ? k : -1;
}
