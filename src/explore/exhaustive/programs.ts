/**
 * Every program up to a bound: at most `threads` threads, each with 1..`calls` calls
 * from the subject's (exhaustive) alphabet. Threads that could be swapped without
 * changing anything (same alphabet) are kept in a canonical order, so a program and
 * its thread permutations are explored once.
 *
 * Programs are numbered in the order they are explored: fewest calls first, then fewest
 * threads, then by their calls. The numbering does not depend on sharding, so a shard
 * `i/n` takes the programs whose number is i modulo n.
 */

export type ProgramIdx = readonly (readonly number[])[];

export interface ProgramBound {
  readonly alphabetSize: number;
  readonly threads: number;
  readonly calls: number;
  /** Alphabet indices thread 0 and the other threads may use (all when absent: symmetric threads). */
  readonly callsFor?: (tid: number) => readonly number[];
}

/** All sequences of 1..max elements of `items`, shortest first, then lexicographic. */
function sequences(items: readonly number[], max: number): number[][] {
  const out: number[][] = [];
  let layer: number[][] = [[]];
  for (let len = 1; len <= max; len++) {
    const next: number[][] = [];
    for (const prefix of layer) for (const x of items) next.push([...prefix, x]);
    out.push(...next);
    layer = next;
  }
  return out;
}

const binom = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
};

function alphabets(b: ProgramBound): { first: readonly number[]; rest: readonly number[] } {
  const all = Array.from({ length: b.alphabetSize }, (_, k) => k);
  return b.callsFor ? { first: b.callsFor(0), rest: b.callsFor(1) } : { first: all, rest: all };
}

/** How many programs the bound has, without making them. */
export function countPrograms(b: ProgramBound): number {
  const { first, rest } = alphabets(b);
  const nSeq = (a: number) => {
    let s = 0;
    for (let k = 1, p = a; k <= b.calls; k++, p *= a) s += p;
    return s;
  };
  const s0 = nSeq(first.length);
  const s1 = nSeq(rest.length);
  let total = 0;
  // Multisets of t sequences (symmetric threads), or thread 0 then a multiset of t-1.
  for (let t = 1; t <= b.threads; t++) total += b.callsFor ? s0 * binom(s1 + t - 2, t - 1) : binom(s0 + t - 1, t);
  return total;
}

const compareSeq = (a: readonly number[], b: readonly number[]): number => {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
};

/** Every canonical program of the bound, in exploration order. */
export function enumeratePrograms(b: ProgramBound): ProgramIdx[] {
  const { first, rest } = alphabets(b);
  const seqFirst = sequences(first, b.calls);
  const seqRest = b.callsFor ? sequences(rest, b.calls) : seqFirst;
  const out: number[][][] = [];
  // Non-decreasing tuples of `seqRest` indices of length m, appended after a fixed head.
  const extend = (head: number[][], m: number, from: number) => {
    if (m === 0) {
      out.push(head);
      return;
    }
    for (let i = from; i < seqRest.length; i++) extend([...head, seqRest[i]!], m - 1, i);
  };
  for (let t = 1; t <= b.threads; t++) {
    if (b.callsFor) for (const s0 of seqFirst) extend([s0], t - 1, 0);
    else extend([], t, 0);
  }
  const size = (p: number[][]) => p.reduce((n, t) => n + t.length, 0);
  out.sort((x, y) => {
    const d = size(x) - size(y) || x.length - y.length;
    if (d) return d;
    for (let i = 0; i < x.length; i++) {
      const c = compareSeq(x[i]!, y[i]!);
      if (c) return c;
    }
    return 0;
  });
  return out;
}
