/**
 * fast-check arbitraries for what an execution is made of: a program (threads of
 * calls, drawn as indices into the subject's alphabet) and its decisions. Both are
 * plain data fast-check can shrink: fewer threads, fewer calls, earlier (simpler)
 * calls, fewer and smaller decisions (so fewer preemptions). `fc.scheduler` is not
 * used because it does not shrink interleavings.
 */
import fc from "fast-check";

export interface ProgramShape {
  readonly alphabetSize: number;
  readonly maxThreads: number;
  readonly maxCalls: number;
  /** The alphabet entries thread `tid` may use (all when absent). */
  readonly callsFor?: (tid: number) => readonly number[];
}

/** Threads of alphabet indices: 1..maxThreads threads, 1..maxCalls calls each. */
export function programArb(shape: ProgramShape): fc.Arbitrary<number[][]> {
  const threadArb = (tid: number) => {
    const allowed = shape.callsFor?.(tid);
    const call = allowed ? fc.constantFrom(...allowed) : fc.integer({ min: 0, max: shape.alphabetSize - 1 });
    return fc.array(call, { minLength: 1, maxLength: shape.maxCalls });
  };
  if (!shape.callsFor) return fc.array(threadArb(0), { minLength: 1, maxLength: shape.maxThreads });
  // Per-thread alphabets: thread k draws from its own; shrinking drops threads from the end.
  const rest = threadArb(1);
  return fc
    .tuple(threadArb(0), fc.array(rest, { maxLength: shape.maxThreads - 1 }))
    .map(([first, others]) => [first, ...others]);
}

/**
 * Decisions: at each thread pick, the index in preemption order (0 = keep going);
 * at each choice point, the option. Small values dominate, as most steps do not
 * switch; the length covers the steps of a few short calls.
 */
export function decisionsArb(): fc.Arbitrary<number[]> {
  const d = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) });
  return fc.array(d, { maxLength: 96 });
}
