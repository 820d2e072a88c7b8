/**
 * A property: a named invariant over one finished execution. It reads only the trace
 * (events, observations, the history of calls), never a variant's code.
 */
import type { Execution } from "../src/kernel/rt/execution.js";

export type Verdict =
  | { readonly holds: true }
  | {
      readonly holds: false;
      /** Why, naming the steps involved. */
      readonly message: string;
      /** Trace positions of the events involved. */
      readonly events: readonly number[];
    };

export interface Property {
  readonly name: string;
  /** One line: what must hold. */
  readonly statement: string;
  check(ex: Execution): Verdict;
}

export const HOLDS: Verdict = { holds: true };

export function violated(message: string, events: readonly number[]): Verdict {
  return { holds: false, message, events };
}
