/**
 * Random exploration with fast-check: draw programs and decisions, run each, check the
 * properties; on a violation let fast-check shrink it, once per violated property, to
 * a minimal program and schedule. `seed` reproduces the whole run.
 *
 * One pass checks every property still open on each execution; when it fails, each
 * property that failed there gets its own smallest counterexample: first a short
 * search over program shapes in increasing size (1 thread × 1 call, 1 × 2, 2 × 1, ...
 * up to the shape that failed), then fast-check's shrinking of the first failure
 * found. Shrinking alone can stop in a local minimum (a 3-thread race that has a
 * 2-thread cousin); trying small shapes first finds the cousin. Then the search goes
 * on for the properties not yet violated.
 *
 * Several counterexamples per property (`counterexamples`, default 1): a property stays
 * open until that many violations with distinct signatures (the events the violation
 * names: properties/property.ts `signatureOf`) are found, and each later search and
 * shrink looks only for a signature not yet found, so one bug cannot hide another.
 */
import fc from "fast-check";
import type { Property } from "../../properties/property.js";
import { HOLDS, signatureOf } from "../../properties/property.js";
import type { CoverageSummary } from "../check/coverage.js";
import { CoverageRecorder, coverageSummary } from "../check/coverage.js";
import type { LinesSummary } from "../check/lines.js";
import { exercisedNote, linesSummary } from "../check/lines.js";
import type { Execution } from "../kernel/rt/execution.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import { PctScheduler, pctGuarantee } from "../kernel/schedulers/pct.js";
import type { Call } from "../kernel/rt/trace.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import { decisionsArb, programArb } from "./arbitraries.js";
import type { Counterexample } from "./counterexample.js";
import { counterexampleOf } from "./counterexample.js";
import { fewestPreemptions } from "./exhaustive/preemptions.js";
import { sequentialCounterexample } from "./sequential.js";

/** Runs tried per program shape while looking for a smaller counterexample. */
const RUNS_PER_SHAPE = 1000;

/** Executions per preemption bound when minimising a counterexample's preemptions. */
const PREEMPTION_SEARCH_BUDGET = 20_000;

/** How a run's schedule is drawn: uniform decisions, or PCT with a bug depth. */
export type ScheduleStrategy = { readonly kind: "uniform" } | { readonly kind: "pct"; readonly depth: number };

export interface RandomOptions {
  readonly strategy?: ScheduleStrategy;
  readonly runs: number;
  readonly seed: number;
  readonly maxThreads: number;
  readonly maxCalls: number;
  /** Only these properties (all of the subject's if absent). */
  readonly properties?: readonly string[];
  readonly options?: TargetOptions;
  /** Distinct counterexamples to keep per property (default 1). */
  readonly counterexamples?: number;
  /** Called as the search draws runs (not while it shrinks): runs drawn so far, of `runs`, and executions. */
  readonly onProgress?: (runs: number, total: number, executions: number) => void;
}

/** Runs between two progress calls. */
const PROGRESS_EVERY = 256;

export type PropertyVerdict =
  | {
      readonly property: string;
      readonly statement: string;
      readonly verdict: "holds";
      /** Which of the variant's lines the run never reached ("not exercised: v9.c:41-47"): check/lines.ts `exercisedNote`. */
      readonly exercised?: string;
    }
  | { readonly property: string; readonly statement: string; readonly verdict: "n/a"; readonly why: string }
  | {
      readonly property: string;
      readonly statement: string;
      readonly verdict: "violated";
      /** The first counterexample found (shrunk). */
      readonly counterexample: Counterexample;
      /** Every distinct counterexample kept (the first one first), at most `counterexamples`. */
      readonly counterexamples: readonly Counterexample[];
      /** Runs of the search before the first violating one was drawn. */
      readonly foundAfter: number;
      readonly exercised?: string;
    };

export interface CheckStats {
  readonly executions: number;
  readonly ms: number;
  /** Runs drawn by the search (shrinking excluded). */
  readonly runs: number;
  /** PCT: the per-run probability bound for a bug of the given depth, with the n and k it used. */
  readonly pct?: { readonly depth: number; readonly threads: number; readonly steps: number; readonly perRun: number };
}

export interface CheckReport {
  readonly target: string;
  readonly variant: string;
  readonly seed: number;
  readonly verdicts: readonly PropertyVerdict[];
  readonly stats: CheckStats;
  /** The reference machine's transitions the explored executions took. */
  readonly coverage?: CoverageSummary;
  /** The variant's declared lines against those the explored executions ran (when it declares them). */
  readonly lines?: LinesSummary;
}

export function checkRandom(subject: Subject, opts: RandomOptions): CheckReport {
  const started = performance.now();
  const wanted = opts.properties ?? subject.properties.map((p) => p.name);
  let open = subject.properties.filter((p) => wanted.includes(p.name));
  const alphabet = subject.alphabet;
  const arbOf = (maxThreads: number, maxCalls: number) =>
    fc.tuple(
      programArb({ alphabetSize: alphabet.length, maxThreads, maxCalls, ...(subject.callsFor ? { callsFor: subject.callsFor } : {}) }),
      decisionsArb(),
    );
  const arb = arbOf(opts.maxThreads, opts.maxCalls);
  // Shapes no larger than the search's, smallest first (by calls, then threads).
  const shapes: [number, number][] = [];
  for (let t = 1; t <= opts.maxThreads; t++) for (let c = 1; c <= opts.maxCalls; c++) shapes.push([t, c]);
  shapes.sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0]);
  const toThreads = (p: number[][]): Call[][] => p.map((t) => t.map((k) => alphabet[k]!));
  const coverage = new CoverageRecorder(subject.model, wanted);
  const run = (p: number[][], d: number[]): Execution => {
    executions++;
    const ex = subject.execute(toThreads(p), new DecisionScheduler(d));
    coverage.add(ex);
    return ex;
  };

  const pct = opts.strategy?.kind === "pct" ? opts.strategy : null;
  // PCT needs k, the steps of a run: estimated from the longest program the search draws.
  let maxSteps = 1;
  const runPct = (p: number[][], seed: number, depth: number): { ex: Execution; decisions: number[] } => {
    executions++;
    const sched = new PctScheduler(seed, p.length, depth, maxSteps);
    const ex = subject.execute(toThreads(p), sched);
    coverage.add(ex);
    maxSteps = Math.max(maxSteps, ex.stepTids.length);
    return { ex, decisions: sched.used };
  };

  let executions = 0;
  let runsLeft = opts.runs;
  let runsDone = 0;
  let drawn = 0;
  const drew = () => {
    if (++drawn % PROGRESS_EVERY === 0) opts.onProgress?.(drawn, opts.runs, executions);
  };
  const limit = Math.max(1, opts.counterexamples ?? 1);
  const found = new Map<string, { cxs: Counterexample[]; foundAfter: number }>();
  // A property as the search sees it: violated only in a way not yet kept.
  const novel = (prop: Property): Property => ({
    ...prop,
    check(ex) {
      const v = prop.check(ex);
      if (v.holds) return v;
      const kept = found.get(prop.name)?.cxs;
      return kept && kept.some((c) => c.signature === signatureOf(v, ex)) ? HOLDS : v;
    },
  });
  for (let round = 0; open.length > 0 && runsLeft > 0; round++) {
    const seed = (opts.seed + round) | 0;
    let failing: string[] = [];
    // Under PCT the pass draws a PCT seed instead of decisions; a failure is turned into
    // the decisions PCT took, which the uniform arbitrary below then shrinks.
    let pctFailure: [number[][], number[]] | null = null;
    const pass = pct
      ? fc.check(
          fc.property(arbOf(opts.maxThreads, opts.maxCalls).map(([p]) => p), fc.integer(), (p, pseed) => {
            drew();
            const { ex, decisions } = runPct(p, pseed, pct.depth);
            failing = open.filter((prop) => !novel(prop).check(ex).holds).map((prop) => prop.name);
            if (failing.length) pctFailure = [p, decisions];
            return failing.length === 0;
          }),
          { numRuns: runsLeft, seed, endOnFailure: true },
        )
      : fc.check(
          fc.property(arb, ([p, d]) => {
            drew();
            const ex = run(p, d);
            failing = open.filter((prop) => !novel(prop).check(ex).holds).map((prop) => prop.name);
            return failing.length === 0;
          }),
          { numRuns: runsLeft, seed, endOnFailure: true },
        );
    runsDone += pass.numRuns;
    runsLeft -= pass.numRuns;
    if (!pass.failed) break;
    // A run that threw (not a property that failed): fast-check reports it as a failure;
    // it is an error of the code under check (e.g. a --variant-file hook), not a verdict.
    if (failing.length === 0 && pass.errorInstance) throw pass.errorInstance;
    for (const name of failing) {
      const prop = novel(open.find((x) => x.name === name)!);
      const holds = ([p, d]: [number[][], number[]]) => prop.check(run(p, d)).holds;
      const failure: [number[][], number[]] = pctFailure ?? (pass.counterexample![0] as [number[][], number[]]);
      const p0 = failure[0];
      const bigCalls = Math.max(...p0.map((t) => t.length));
      let smallest: [number[][], number[]] | null = null;
      for (const [t, c] of shapes) {
        if (t > p0.length || (t === p0.length && c >= bigCalls)) break;
        const r = fc.check(fc.property(arbOf(t, c), holds), { seed, numRuns: RUNS_PER_SHAPE });
        if (r.failed) {
          smallest = r.counterexample![0];
          break;
        }
      }
      if (!smallest) {
        // Shrink the failure itself: replayed by its path, or (PCT) given as an example.
        const shrunk = pctFailure
          ? fc.check(fc.property(arb, holds), { seed, numRuns: 1, examples: [[failure]] })
          : fc.check(fc.property(arb, holds), { seed, path: pass.counterexamplePath!, numRuns: 1 });
        smallest = shrunk.counterexample?.[0] ?? failure;
      }
      const [p, d] = smallest;
      const o = opts.options ?? {};
      let cx = counterexampleOf(subject, o, name, toThreads(p), d, prop);
      if (!cx) throw new Error(`internal: the shrunk counterexample for ${name} does not replay`);
      // The same calls on one thread may do: then the bug needs no concurrency.
      const sequential = sequentialCounterexample(subject, prop, cx.threads, opts.maxCalls);
      if (sequential) cx = counterexampleOf(subject, o, name, sequential.threads, sequential.decisions, prop) ?? cx;
      // Shrinking decisions towards zero does not always reach the fewest preemptions:
      // search the shrunk program's schedules by preemption bound (within a budget).
      if (cx.size.preemptions > 0) {
        const fewer = fewestPreemptions(subject, prop, cx.threads, cx.size.preemptions, PREEMPTION_SEARCH_BUDGET);
        if (fewer) cx = counterexampleOf(subject, o, name, cx.threads, fewer.decisions, prop) ?? cx;
      }
      const f = found.get(name);
      if (f) f.cxs.push(cx);
      else found.set(name, { cxs: [cx], foundAfter: runsDone - 1 });
    }
    open = open.filter((x) => (found.get(x.name)?.cxs.length ?? 0) < limit);
  }

  const covered = coverage.data();
  const note = exercisedNote(subject, covered.lines);
  const exercised = note ? { exercised: note } : {};
  const lines = linesSummary(subject, covered.lines);
  const verdicts: PropertyVerdict[] = subject.properties
    .filter((p) => wanted.includes(p.name))
    .map((p): PropertyVerdict => {
      const f = found.get(p.name);
      if (!f) return { property: p.name, statement: p.statement, verdict: "holds", ...exercised };
      return { property: p.name, statement: p.statement, verdict: "violated", counterexample: f.cxs[0]!, counterexamples: f.cxs, foundAfter: f.foundAfter, ...exercised };
    });
  for (const u of subject.unchecked ?? [])
    if (!opts.properties || opts.properties.includes(u.property)) verdicts.push({ ...u, verdict: "n/a" });
  return {
    target: subject.target,
    variant: subject.variant,
    seed: opts.seed,
    verdicts,
    coverage: coverageSummary(subject.model, covered),
    ...(lines ? { lines } : {}),
    stats: {
      executions,
      ms: Math.round(performance.now() - started),
      runs: runsDone,
      ...(pct
        ? { pct: { depth: pct.depth, threads: opts.maxThreads, steps: maxSteps, perRun: pctGuarantee(opts.maxThreads, maxSteps, pct.depth) } }
        : {}),
    },
  };
}
