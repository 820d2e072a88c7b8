/**
 * Before an exhaustive run: about how many interleavings its bound has without reduction,
 * so that a user who asked for a run of days learns it before, not after. Each call of
 * the alphabet is run once alone (after the fixture) to count its atomic steps; a
 * program whose threads take s1, ..., sn steps has (s1 + ... + sn)! / (s1! ... sn!)
 * interleavings; the programs of the bound (programs.ts enumerates them; at most
 * SAMPLE of them, evenly spread, are counted and the sum scaled) add up.
 *
 * It is an estimate: a call's path may take more or fewer steps when another thread has
 * changed the state, and a blocked thread removes schedules. With DPOR the run explores
 * one execution per equivalence class, usually far fewer; `--no-dpor` explores them all.
 */
import { boundOf } from "../explore/exhaustive/check.js";
import { enumeratePrograms } from "../explore/exhaustive/programs.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import type { Subject } from "../targets/target.js";

/** Programs counted at most (the rest scaled from them). */
const SAMPLE = 20_000;

/**
 * Above this many interleavings the estimate is printed before the run: without reduction
 * a million already takes minutes; with DPOR the raw count says less (most are pruned),
 * so only a count far past anything DPOR has finished here (riscv-hgatp@v8: 2 threads x
 * 2 calls, 1e15, takes seconds; 3 x 2, 1e35, does not end in minutes).
 */
export const LONG_RUN = { none: 1e6, dpor: 1e20 } as const;

/** ln(n!) for n up to `max`. */
function logFactorials(max: number): Float64Array {
  const f = new Float64Array(max + 1);
  for (let n = 2; n <= max; n++) f[n] = f[n - 1]! + Math.log(n);
  return f;
}

export interface InterleavingEstimate {
  readonly programs: number;
  /** log10 of the interleavings without reduction, over every program of the bound. */
  readonly log10: number;
}

export function estimateInterleavings(subject: Subject, threads: number, calls: number): InterleavingEstimate {
  const { alphabet, bound, total } = boundOf(subject, { threads, calls });
  const steps = alphabet.map((call) => Math.max(1, subject.execute([[call]], new DecisionScheduler([])).stepTids.length));
  const programs = enumeratePrograms(bound);
  const stride = Math.max(1, Math.ceil(programs.length / SAMPLE));
  const lf = logFactorials(Math.max(...steps) * calls * threads + 1);
  // Sum of exp(x_i) in log space: log(sum) = m + log(sum(exp(x_i - m))).
  const logs: number[] = [];
  for (let k = 0; k < programs.length; k += stride) {
    const s = programs[k]!.map((t) => t.reduce((n, call) => n + steps[call]!, 0));
    const sum = s.reduce((a, b) => a + b, 0);
    logs.push(lf[sum]! - s.reduce((n, x) => n + lf[x]!, 0));
  }
  const m = Math.max(...logs);
  const ln = m + Math.log(logs.reduce((n, x) => n + Math.exp(x - m), 0)) + Math.log(programs.length / logs.length);
  return { programs: total, log10: ln / Math.LN10 };
}

/** "about 3.2e9" (or "about 10^412" past what a double holds). */
export function aboutText(log10: number): string {
  if (log10 < 6) return `about ${Math.round(10 ** log10)}`;
  if (log10 < 300) return `about ${(10 ** log10).toPrecision(2).replace("e+", "e")}`;
  return `about 10^${Math.round(log10)}`;
}

/** The line printed before a long run, or null for a short one. */
export function estimateLine(subject: Subject, threads: number, calls: number, dpor: boolean): string | null {
  const e = estimateInterleavings(subject, threads, calls);
  if (e.log10 < Math.log10(dpor ? LONG_RUN.dpor : LONG_RUN.none)) return null;
  const what = `${subject.target}@${subject.variant}: ${e.programs} programs, ${aboutText(e.log10)} interleavings without reduction (estimated from each call's steps)`;
  return dpor ? `${what}; DPOR explores one per equivalence class, usually far fewer` : `${what}; --no-dpor explores every one of them`;
}
