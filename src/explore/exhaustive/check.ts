/**
 * Exhaustive checking up to a bound: every program of the bound (programs.ts), every
 * interleaving of each up to equivalence (dpor.ts), every property on every complete
 * execution, and the properties that judge real time on each class's strongest real-time
 * orders too (real-time-variants.ts). The answer is either a proof statement for the
 * bound or, per violated property, its shortest counterexample: fewest calls, then fewest
 * preemptions, then the first program in exploration order.
 *
 * Programs are explored by increasing size (calls). Once every selected property is
 * violated by a program of some size, larger programs cannot change any answer and the
 * run stops there (`stoppedAfter`); otherwise the whole bound is explored. Answers are the
 * same however the work is split (shards, workers): a part stops before size s only when
 * every property has a finding smaller than s, so every program up to each property's
 * shortest size is explored by every part. Counts depend on the split when a run stops.
 *
 * Fewest preemptions: DPOR explores one execution per equivalence class, not the one
 * with the fewest preemptions, so the violating programs of the smallest size are
 * searched again with a preemption bound of 0, 1, ... (no reduction) until one violates.
 * That happens as soon as the size's layer is done, so that each shortest counterexample
 * is reported (`onLayer`) while the rest of the bound is still being explored.
 */
import type { CoverageData } from "../../check/coverage.js";
import { CoverageRecorder, mergeCoverage } from "../../check/coverage.js";
import type { Property } from "../../../properties/property.js";
import { signatureOf } from "../../../properties/property.js";
import type { DistinctFindings } from "../distinct.js";
import { addDistinct, bestDistinct, mergeDistinct } from "../distinct.js";
import { preemptions } from "../../kernel/rt/execution.js";
import { trimDecisions } from "../../kernel/schedulers/decisions.js";
import type { Call } from "../../kernel/rt/trace.js";
import { UsageError } from "../../targets/errors.js";
import type { Subject, TargetOptions, Threads } from "../../targets/target.js";
import type { Execution } from "../../kernel/rt/execution.js";
import type { ExploreOptions, Materialized } from "./dpor.js";
import { exploreProgram } from "./dpor.js";
import { fewestPreemptions } from "./preemptions.js";
import { countPrograms, enumeratePrograms } from "./programs.js";
import { ShortestTracker, better } from "./shortest.js";
import type { ProgramIdx } from "./programs.js";

/** Complete executions of one program between two progress reports within it. */
const PROGRESS_EVERY = 10_000;

/** Histories remembered as judged (real-time variants) before the set starts afresh. */
const MAX_SHAPES = 100_000;

/** More programs than this is refused: the run would not end in reasonable time. */
export const MAX_PROGRAMS = 2_000_000;

export interface ExhaustiveOptions {
  readonly threads: number;
  readonly calls: number;
  readonly reduction?: ExploreOptions["reduction"];
  /** A preemption bound (CHESS, loom): a weaker statement, for larger bounds. */
  readonly preemptions?: number;
  /** Explore only the programs whose number is `index` modulo `count`. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Within the shard, only every `count`-th program from the `index`-th (one worker's part). */
  readonly slice?: { readonly index: number; readonly count: number };
  readonly properties?: readonly string[];
  readonly options?: TargetOptions;
  /** Distinct counterexamples to keep per property, by signature (default 1: the shortest only). */
  readonly counterexamples?: number;
  readonly onProgress?: (done: number, total: number, executions: number) => void;
  /**
   * Told when this run has explored all of its programs of up to `size` calls (`size` is
   * Infinity at the end), with the findings known to be its shortest by then.
   */
  readonly onLayer?: (size: number, shortest: Readonly<Record<string, ExhaustiveFinding>>) => void;
  /**
   * Per selected property (in subject order), the smallest size at which any part of the
   * run found it violated: shared by the workers of one run (a SharedArrayBuffer) so that
   * all of them stop at the shortest. Each run keeps its own when absent.
   */
  readonly found?: Int32Array;
  /** Explore only the programs from this number on (the ones before are another part's). */
  readonly fromIndex?: number;
  /**
   * Asked before each program: once it says yes, the rest is left to other parts and the
   * result's `handedOffAt` is the first program not explored.
   */
  readonly handOff?: () => boolean;
  /**
   * With workers (checkExhaustiveParallel): the main thread explores the first programs
   * itself until the workers have started, or for at most this many milliseconds.
   */
  readonly budgetMs?: number;
  /** Told each violated property's shortest counterexample as soon as it is known, before the run ends. */
  readonly onShortest?: (property: string, finding: ExhaustiveFinding) => void;
}

/** Nothing found yet, in `ExhaustiveOptions.found`. */
export const NOT_FOUND = 0x7fffffff;

/** Records in the shared `found` that property `i` is violated at `size` (keeps the smallest). */
function noteFound(found: Int32Array, i: number, size: number): void {
  for (;;) {
    const old = Atomics.load(found, i);
    if (old <= size || Atomics.compareExchange(found, i, old, size) === old) return;
  }
}

/** A shortest counterexample as exhaustive mode found it: enough to replay and to merge. */
export interface ExhaustiveFinding {
  readonly program: number;
  readonly threads: Threads;
  readonly decisions: readonly number[];
  readonly calls: number;
  readonly threadCount: number;
  readonly preemptions: number;
}

/** A finding with its signature (what the violation names): one per distinct counterexample. */
export interface DistinctFinding extends ExhaustiveFinding {
  readonly signature: string;
}

export interface ExhaustiveResult {
  readonly target: string;
  readonly variant: string;
  readonly options: TargetOptions;
  readonly bound: { readonly threads: number; readonly calls: number; readonly preemptions: number | null; readonly reduction: string };
  readonly alphabet: readonly Call[];
  readonly shard: { readonly index: number; readonly count: number };
  /** Programs in the bound (all shards) and programs this run explored. */
  readonly totalPrograms: number;
  readonly programs: number;
  readonly executions: number;
  /** Complete executions: with DPOR, the equivalence classes explored. */
  readonly classes: number;
  readonly pruned: number;
  /**
   * With real time judged per class (ExploreOptions.realTime "variants"): the other
   * real-time orders of the explored classes whose histories were judged besides.
   */
  readonly realTimeOrders?: number;
  readonly properties: readonly string[];
  readonly findings: Readonly<Record<string, ExhaustiveFinding>>;
  readonly ms: number;
  /**
   * The run stopped after the programs of this many calls: every selected property was
   * violated by one of at most that size, so larger programs were not explored.
   */
  readonly stoppedAfter?: number;
  /** With `handOff`: the first program this part left to others. */
  readonly handedOffAt?: number;
  /** After a merge that did not get every shard: the ones missing (the bound is not covered). */
  readonly missingShards?: readonly number[];
  /** The reference machine's transitions the explored executions took. */
  readonly coverage?: CoverageData;
  /** How many distinct counterexamples per property were asked for, and the best of each signature (at most that many). */
  readonly counterexamples?: number;
  readonly distinct?: DistinctFindings<DistinctFinding>;
}

/** Whether program `index` belongs to shard `shard` and, within it, to worker `slice`. */
export function inShare(
  index: number,
  shard: { readonly index: number; readonly count: number },
  slice: { readonly index: number; readonly count: number } = { index: 0, count: 1 },
): boolean {
  return index % shard.count === shard.index && Math.floor(index / shard.count) % slice.count === slice.index;
}

/** The alphabet and program bound of a run; refuses a bound with more than MAX_PROGRAMS programs. */
export function boundOf(subject: Subject, opts: Pick<ExhaustiveOptions, "threads" | "calls">) {
  const alphabet = subject.exhaustive?.alphabet ?? subject.alphabet;
  const callsFor = subject.exhaustive ? subject.exhaustive.callsFor : subject.callsFor;
  const bound = { alphabetSize: alphabet.length, threads: opts.threads, calls: opts.calls, ...(callsFor ? { callsFor } : {}) };
  const total = countPrograms(bound);
  if (total > MAX_PROGRAMS)
    throw new UsageError(
      `the bound ${opts.threads} threads x ${opts.calls} calls over ${alphabet.length} calls is ${total < 1e15 ? total : total.toPrecision(3)} programs, more than ${MAX_PROGRAMS}; lower --threads or --calls`,
    );
  return { alphabet, bound, total };
}

/**
 * How DPOR explores for these properties: what they judge besides the steps' own accesses
 * (real-time order, cells' values at other events) it must keep apart (access.ts).
 */
export function exploreOptionsFor(properties: readonly Property[], opts: Pick<ExhaustiveOptions, "reduction" | "preemptions">): ExploreOptions {
  const judges = properties.flatMap((p) => (p.judges ? [p.judges] : []));
  return {
    reduction: opts.reduction ?? "dpor",
    // Each class's strongest real-time orders checked after it, or (under a preemption
    // bound, which the reorderings need not keep) every order kept apart in the search.
    realTime: properties.some((p) => p.realTime === true) && (opts.preemptions !== undefined ? true : "variants"),
    ...(judges.length ? { judges } : {}),
    ...(opts.preemptions !== undefined ? { preemptionBound: opts.preemptions } : {}),
  };
}

export function checkExhaustive(subject: Subject, opts: ExhaustiveOptions): ExhaustiveResult {
  const started = performance.now();
  const { alphabet, bound, total } = boundOf(subject, opts);
  const shard = opts.shard ?? { index: 0, count: 1 };
  const slice = opts.slice ?? { index: 0, count: 1 };
  const fromIndex = opts.fromIndex ?? 0;
  const sizeOf = (p: ProgramIdx) => p.reduce((n, t) => n + t.length, 0);
  const wanted = subject.properties.filter((p) => !opts.properties || opts.properties.includes(p.name));
  const explore = exploreOptionsFor(wanted, opts);
  const toThreads = (p: ProgramIdx): Call[][] => p.map((t) => t.map((k) => alphabet[k]!));

  const findings: Record<string, ExhaustiveFinding> = {};
  const limit = Math.max(1, opts.counterexamples ?? 1);
  const distinct: Record<string, DistinctFinding[]> = {};
  // The programs of the smallest violating size so far, per property, for the preemption pass.
  const candidates = new Map<string, { size: number; programs: number[] }>();
  const all = enumeratePrograms(bound);
  const coverage = new CoverageRecorder(subject.model, wanted.map((p) => p.name));
  const found = opts.found ?? new Int32Array(wanted.length).fill(NOT_FOUND);
  let programs = 0;
  let executions = 0;
  let classes = 0;
  let pruned = 0;
  let realTimeOrders = 0;
  let share = 0;
  const mine = (index: number) => index >= fromIndex && inShare(index, shard, slice);
  for (let index = 0; index < all.length; index++) if (mine(index)) share++;

  // Properties whose finding is final: the fewest preemptions among its shortest programs.
  const shortest: Record<string, ExhaustiveFinding> = {};
  const tracker = opts.onShortest ? new ShortestTracker(1, opts.onShortest) : null;
  /** All programs of up to `size` calls are done: settle the findings of that size. */
  const finishLayer = (size: number): void => {
    for (const p of wanted) {
      const best = findings[p.name];
      const c = candidates.get(p.name);
      if (!best || !c || best.calls > size || shortest[p.name]) continue;
      for (const index of c.programs) {
        const threads = toThreads(all[index]!);
        const hit = fewestPreemptions(subject, p, threads, findings[p.name]!.preemptions);
        if (!hit) continue;
        const f: ExhaustiveFinding = { program: index, threads, decisions: hit.decisions, calls: c.size, threadCount: threads.length, preemptions: hit.preemptions };
        if (better(f, findings[p.name])) findings[p.name] = f;
      }
      shortest[p.name] = findings[p.name]!;
    }
    opts.onLayer?.(size, { ...shortest });
    tracker?.layer(0, size, shortest);
  };

  // Real-time variants are judged by their history alone when every property that judges
  // real time says its verdict depends on nothing else (`Property.byHistory`).
  const byShape = explore.realTime === "variants" && wanted.every((p) => !p.realTime || p.byHistory === true);
  const heldShapes = new Set<string>();
  let index = 0;
  let threads: Call[][] = [];
  let calls = 0;
  // Complete executions of the program in progress: progress is told every PROGRESS_EVERY
  // of them too, so that a program of millions of executions does not look stuck.
  let inProgram = 0;
  /**
   * Checks the wanted properties on one execution of program `index` (for a real-time
   * variant, `variant` runs it for real, and only the properties that judge real time
   * are asked); records what it violates. True when they all hold.
   */
  const judge = (ex0: Execution, decisions0: readonly number[], variant?: () => Materialized): boolean => {
    if (!variant && ++inProgram % PROGRESS_EVERY === 0) opts.onProgress?.(programs, share, executions + inProgram);
    coverage.add(ex0);
    let held = true;
    for (let i = 0; i < wanted.length; i++) {
      const p = wanted[i]!;
      // A real-time variant matters only to properties that judge real time.
      if (variant && !p.realTime) continue;
      let ex = ex0;
      let decisions = decisions0;
      let v = p.check(ex);
      if (v.holds) continue;
      held = false;
      if (variant) {
        ({ ex, decisions } = variant());
        v = p.check(ex);
        if (v.holds) throw new Error(`internal: ${p.name} holds when a reordered execution is run that violated it`);
      }
      const f: ExhaustiveFinding = {
        program: index,
        threads,
        decisions: trimDecisions(decisions),
        calls,
        threadCount: threads.length,
        preemptions: preemptions(ex),
      };
      if (better(f, findings[p.name])) findings[p.name] = f;
      noteFound(found, i, calls);
      if (limit > 1) addDistinct(distinct, p.name, { ...f, signature: signatureOf(v, ex) }, better);
      const c = candidates.get(p.name);
      if (!c || calls < c.size) candidates.set(p.name, { size: calls, programs: [index] });
      else if (calls === c.size && c.programs[c.programs.length - 1] !== index) c.programs.push(index);
    }
    return held;
  };

  let layer = 0;
  let stoppedAfter: number | undefined;
  let handedOffAt: number | undefined;
  for (index = 0; index < all.length; index++) {
    const program = all[index]!;
    calls = sizeOf(program);
    if (calls !== layer) {
      if (layer > 0) finishLayer(layer);
      // Every property violated by a smaller program: nothing larger can be shorter. With
      // several distinct counterexamples asked for, every property needs that many of this
      // part's signatures below this size: any other signature would rank after them.
      const settled = (p: (typeof wanted)[number], i: number) =>
        limit === 1 ? Atomics.load(found, i) < calls : (distinct[p.name]?.filter((f) => f.calls < calls).length ?? 0) >= limit;
      if (wanted.length > 0 && wanted.every(settled)) {
        stoppedAfter = layer;
        break;
      }
      layer = calls;
    }
    if (opts.handOff?.()) {
      handedOffAt = index;
      break;
    }
    if (!mine(index)) continue;
    threads = toThreads(program);
    inProgram = 0;
    const stats = exploreProgram(
      (s) => subject.execute(threads, s),
      explore,
      judge,
      // A variant whose history was judged already (every real-time property holding on
      // it) has nothing new to say: no verdict, no coverage. Else its history is judged
      // (all those properties read), and a violation run for real.
      byShape
        ? (v, materialize) => {
            if (heldShapes.has(v.shape)) return;
            const held = judge(v.history(), [], materialize);
            if (held) {
              if (heldShapes.size >= MAX_SHAPES) heldShapes.clear();
              heldShapes.add(v.shape);
            }
          }
        : undefined,
    );
    programs++;
    executions += stats.executions;
    classes += stats.complete;
    pruned += stats.pruned;
    realTimeOrders += stats.variants;
    opts.onProgress?.(programs, share, executions);
  }
  if (stoppedAfter === undefined && layer > 0) finishLayer(layer);
  opts.onLayer?.(Infinity, { ...shortest });
  tracker?.layer(0, Infinity, shortest);

  return {
    target: subject.target,
    variant: subject.variant,
    options: opts.options ?? {},
    bound: { threads: opts.threads, calls: opts.calls, preemptions: opts.preemptions ?? null, reduction: explore.reduction },
    alphabet,
    shard,
    totalPrograms: total,
    programs,
    executions,
    classes,
    pruned,
    ...(explore.realTime === "variants" ? { realTimeOrders } : {}),
    properties: wanted.map((p) => p.name),
    findings,
    ms: Math.round(performance.now() - started),
    ...(stoppedAfter !== undefined ? { stoppedAfter } : {}),
    ...(handedOffAt !== undefined ? { handedOffAt } : {}),
    coverage: coverage.data(),
    ...(limit > 1 ? { counterexamples: limit, distinct: bestDistinct<DistinctFinding>(distinct, limit, better) } : {}),
  };
}

export class MergeError extends Error {
  override name = "MergeError";
}

/**
 * Combines the results of shards (or workers) of one run into the result of the whole:
 * counts add up, each property keeps its best finding. The parts must be of the same
 * run (target, variant, options, bound, alphabet) and must not overlap.
 */
export function mergeResults(parts: readonly ExhaustiveResult[]): ExhaustiveResult {
  if (parts.length === 0) throw new MergeError("nothing to merge");
  const first = parts[0]!;
  const same = (r: ExhaustiveResult) =>
    JSON.stringify([r.target, r.variant, r.options, r.bound, r.alphabet, r.properties, r.totalPrograms]) ===
    JSON.stringify([first.target, first.variant, first.options, first.bound, first.alphabet, first.properties, first.totalPrograms]);
  for (const r of parts) if (!same(r)) throw new MergeError(`${r.target}@${r.variant} shard ${r.shard.index}/${r.shard.count} is not part of the same run as the first file`);
  const count = first.shard.count;
  const seen = new Set<number>();
  for (const r of parts) {
    if (r.shard.count !== count) throw new MergeError(`shards of different splits: ${r.shard.count} and ${count}`);
    if (seen.has(r.shard.index)) throw new MergeError(`shard ${r.shard.index}/${count} given twice`);
    seen.add(r.shard.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  const whole = combineParts(parts);
  return missing.length ? { ...whole, shard: { index: -1, count }, missingShards: missing } : { ...whole, shard: { index: 0, count: 1 } };
}

const withCoverage = (c: CoverageData | undefined) => (c ? { coverage: c } : {});

/** Adds up the counts of parts of one run and keeps each property's best finding. */
export function combineParts(parts: readonly ExhaustiveResult[]): ExhaustiveResult {
  const findings: Record<string, ExhaustiveFinding> = {};
  for (const r of parts) for (const [p, f] of Object.entries(r.findings)) if (better(f, findings[p])) findings[p] = f;
  const sum = (k: "programs" | "executions" | "classes" | "pruned") => parts.reduce((n, r) => n + r[k], 0);
  // Stopped at the shortest only if every part did (one that went on explored its whole share).
  const { stoppedAfter: _, ...first } = parts[0]!;
  const stops = parts.map((r) => r.stoppedAfter);
  const limit = Math.max(...parts.map((r) => r.counterexamples ?? 1));
  return {
    ...first,
    ...(stops.every((s) => s !== undefined) ? { stoppedAfter: Math.max(...stops) } : {}),
    programs: sum("programs"),
    executions: sum("executions"),
    classes: sum("classes"),
    pruned: sum("pruned"),
    ...(parts.some((r) => r.realTimeOrders !== undefined) ? { realTimeOrders: parts.reduce((n, r) => n + (r.realTimeOrders ?? 0), 0) } : {}),
    findings,
    ms: Math.max(...parts.map((r) => r.ms)),
    ...withCoverage(mergeCoverage(parts.map((r) => r.coverage))),
    ...(limit > 1 ? { counterexamples: limit, distinct: mergeDistinct<DistinctFinding>(parts.map((r) => r.distinct), limit, better) } : {}),
  };
}
