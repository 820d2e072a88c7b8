/**
 * A counterexample: the program and decisions that violate a property, normalised so
 * that the replay token is as short as the execution allows, with its size.
 */
import type { Property } from "../../properties/property.js";
import { signatureOf } from "../../properties/property.js";
import type { Execution } from "../kernel/rt/execution.js";
import { preemptions } from "../kernel/rt/execution.js";
import { DecisionScheduler, trimDecisions } from "../kernel/schedulers/decisions.js";
import type { Subject, TargetOptions, Threads } from "../targets/target.js";
import { encodeReplay } from "./replay-token.js";

export interface CounterexampleSize {
  readonly calls: number;
  readonly threads: number;
  readonly preemptions: number;
}

export interface Counterexample {
  readonly property: string;
  readonly message: string;
  /** Trace positions the property names. */
  readonly events: readonly number[];
  /** What the violation is about (properties/property.ts `signatureOf`): distinct counterexamples have distinct signatures. */
  readonly signature: string;
  readonly threads: Threads;
  readonly decisions: readonly number[];
  readonly execution: Execution;
  readonly size: CounterexampleSize;
  readonly replay: string;
}

/** Drops threads that have no calls, keeping the rest in order. */
function compact(threads: Threads): Threads {
  return threads.filter((t) => t.length > 0);
}

export function sizeOf(threads: Threads, ex: Execution): CounterexampleSize {
  return { calls: threads.reduce((n, t) => n + t.length, 0), threads: threads.length, preemptions: preemptions(ex) };
}

/**
 * Runs `threads` with `decisions` and, if `property` is violated, returns the
 * counterexample with the decisions the execution actually consumed (trimmed).
 * `check` judges instead of the subject's property of that name (random mode's
 * "violated in a way not yet reported").
 */
export function counterexampleOf(
  subject: Subject,
  options: TargetOptions,
  property: string,
  threads: Threads,
  decisions: readonly number[],
  check?: Property,
): Counterexample | null {
  const prop = check ?? subject.properties.find((p) => p.name === property);
  if (!prop) throw new Error(`${subject.target} has no property ${property}`);
  const program = compact(threads);
  const first = new DecisionScheduler(decisions);
  subject.execute(program, first);
  const used = trimDecisions(first.used);
  const execution = subject.execute(program, new DecisionScheduler(used));
  const verdict = prop.check(execution);
  if (verdict.holds) return null;
  return {
    property,
    message: verdict.message,
    events: verdict.events,
    signature: signatureOf(verdict, execution),
    threads: program,
    decisions: used,
    execution,
    size: sizeOf(program, execution),
    replay: encodeReplay({ target: subject.target, variant: subject.variant, options, property, threads: program, decisions: used }),
  };
}
