/**
 * Differential mode: one-thread programs drawn by fast-check from a Subject's alphabet
 * run on the real kernel and on the Subject's transcribed kernel model; a call whose
 * return value or errno differs is a finding, shrunk by fast-check to a minimal
 * program. After a finding, the search goes on with that difference (same call, same
 * pair of results) counted as known, so one run can report several distinct ones.
 */
import fc from "fast-check";
import { guarded } from "./guard.js";
import { minimizeProgram } from "./minimize.js";
import type { Call, CallResult } from "../kernel/rt/trace.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import { programArb } from "../explore/arbitraries.js";
import type { Subject } from "../targets/target.js";
import { comparableReturn, resultsByThread } from "./outcomes.js";
import type { RealBackend } from "./backend.js";
import type { RealResult } from "./session.js";

export interface DifferentialOptions {
  readonly runs: number;
  readonly seed: number;
  readonly calls: number;
  /** Stop after this many distinct differences. */
  readonly maxFindings?: number;
}

export interface CallComparison {
  readonly call: Call;
  readonly model: CallResult | undefined;
  readonly real: RealResult;
  readonly differs: boolean;
}

export interface Difference {
  /** The shrunk program, call by call, with both results. */
  readonly calls: readonly CallComparison[];
  /** Index of the first call whose results differ. */
  readonly first: number;
  /** Identifies the difference: the call and the two returns. */
  readonly signature: string;
  readonly seed: number;
  readonly numRuns: number;
}

export interface DifferentialReport {
  readonly target: string;
  readonly variant: string;
  readonly runs: number;
  readonly seed: number;
  readonly executions: number;
  readonly differences: readonly Difference[];
}

/** Runs `calls` in both worlds and pairs their results. */
export function compareProgram(subject: Subject, backend: RealBackend, calls: readonly Call[]): CallComparison[] {
  const real = backend.execute(calls, subject.fixture ?? []);
  const ex = subject.execute([calls], new DecisionScheduler([]));
  const model = resultsByThread([calls], ex)[0]!;
  return calls.map((call, k) => {
    const m = model[k];
    const r = real.results[k]!;
    const differs = !m || comparableReturn(call, m.r) !== comparableReturn(call, r.r);
    return { call, model: m, real: r, differs };
  });
}

/** A difference is the same one when the same ioctl (and cap) gets the same pair of returns, whatever the arguments. */
function signatureOf(c: CallComparison): string {
  return `${c.call.ioctl}${c.call.cap !== undefined ? `(${String(c.call.cap)})` : ""} model ${c.model ? comparableReturn(c.call, c.model.r) : "none"} real ${comparableReturn(c.call, c.real.r)}`;
}

export function runDifferential(subject: Subject, backend: RealBackend, opts: DifferentialOptions): DifferentialReport {
  const alphabet = subject.alphabet;
  const arb = programArb({ alphabetSize: alphabet.length, maxThreads: 1, maxCalls: opts.calls, ...(subject.callsFor ? { callsFor: subject.callsFor } : {}) }).map(
    (p) => p[0]!,
  );
  const only = subject.callsFor?.(0);
  const allowed = (k: number) => !only || only.includes(k);
  const known = new Set<string>();
  const differences: Difference[] = [];
  let executions = 0;
  const cache = new Map<string, CallComparison[]>();
  const compare = (prog: readonly number[]): CallComparison[] => {
    const key = prog.join(",");
    let c = cache.get(key);
    if (!c) {
      c = compareProgram(subject, backend, prog.map((k) => alphabet[k]!));
      executions++;
      if (cache.size > 50_000) cache.clear();
      cache.set(key, c);
    }
    return c;
  };
  // A program is a counterexample if a call differs in a way not reported yet.
  const newDifference = (cs: readonly CallComparison[]) => cs.find((c) => c.differs && !known.has(signatureOf(c)));
  const max = opts.maxFindings ?? 5;
  const { guard, rethrow } = guarded();
  while (differences.length < max) {
    const out = fc.check(
      fc.property(arb, (prog) => guard(() => newDifference(compare(prog)) === undefined)),
      { numRuns: opts.runs, seed: opts.seed },
    );
    rethrow();
    if (!out.failed) break;
    if (!out.counterexample) break;
    const prog = minimizeProgram(out.counterexample[0], (p) => guard(() => newDifference(compare(p)) !== undefined), allowed);
    rethrow();
    const cs = compare(prog);
    const d = newDifference(cs)!;
    known.add(signatureOf(d));
    differences.push({ calls: cs, first: cs.indexOf(d), signature: signatureOf(d), seed: opts.seed, numRuns: opts.runs });
  }
  return { target: subject.target, variant: subject.variant, runs: opts.runs, seed: opts.seed, executions, differences };
}
