/**
 * A concurrent counterexample whose calls, run one after another on one thread, break
 * the property too: then it needs no concurrency, and the report should say so (one
 * thread, no preemptions). Random mode's shape search draws one-thread programs at
 * random and can miss the one that matters; this tries the found program's own calls,
 * in every order that keeps each thread's order, and every value of its choice points.
 */
import type { Property } from "../../properties/property.js";
import type { Call } from "../kernel/rt/trace.js";
import type { Subject, Threads } from "../targets/target.js";
import { exploreProgram } from "./exhaustive/dpor.js";

/** Orders tried at most (the merges of the threads' call lists). */
const MAX_ORDERS = 64;

class Found extends Error {
  constructor(readonly decisions: readonly number[]) {
    super("found");
  }
}

/** Every merge of the threads' call lists that keeps each thread's order, up to `max`. */
export function merges(threads: Threads, max = MAX_ORDERS): Call[][] {
  const out: Call[][] = [];
  const pos = threads.map(() => 0);
  const seq: Call[] = [];
  const total = threads.reduce((n, t) => n + t.length, 0);
  const walk = (): void => {
    if (out.length >= max) return;
    if (seq.length === total) {
      out.push([...seq]);
      return;
    }
    threads.forEach((t, i) => {
      if (pos[i]! >= t.length) return;
      seq.push(t[pos[i]!]!);
      pos[i]!++;
      walk();
      pos[i]!--;
      seq.pop();
    });
  };
  walk();
  return out;
}

/**
 * A one-thread program of the same calls that violates `property`, with its decisions;
 * null if none does, or if one thread may not have that many calls (`maxCalls`, the
 * search's bound: a counterexample stays inside the bound the user asked for).
 */
export function sequentialCounterexample(
  subject: Subject,
  property: Property,
  threads: Threads,
  maxCalls = Infinity,
): { readonly threads: Threads; readonly decisions: readonly number[] } | null {
  if (threads.length < 2 || threads.reduce((n, t) => n + t.length, 0) > maxCalls) return null;
  for (const calls of merges(threads)) {
    try {
      // One thread: the only decisions are the choice points' values; try them all.
      exploreProgram(
        (s) => subject.execute([calls], s),
        { reduction: "none" },
        (ex, decisions) => {
          if (!property.check(ex).holds) throw new Found(decisions);
        },
      );
    } catch (e) {
      if (e instanceof Found) return { threads: [calls], decisions: e.decisions };
      throw e;
    }
  }
  return null;
}
