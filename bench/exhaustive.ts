/**
 * The exhaustive explorer's figures (issue 4), for the record; nothing here asserts a timing.
 *
 *   reduction      on small programs, every interleaving is run (no reduction) and the
 *                  Mazurkiewicz classes are counted from the traces, independently of DPOR;
 *                  then DPOR's explored executions ÷ those classes (1.00 is optimal)
 *   time to ...    the shortest hgatp-single-view counterexample (v2, v7) and the proof of
 *                  every property (v8), with DPOR (as checkExhaustive configures it), on
 *                  the worker threads a user gets by default; without DPOR the same bound
 *                  is explored for BUDGET_MS and the share it reached is reported
 *
 *   rates          one thread, no workers: executions/s and steps/s of the explorer
 *   Spin           side by side with Spin's whole pipeline on the same bounds (bench/spin.ts),
 *                  whole process each, alternating, median of BENCH_REPEAT (3) runs, and
 *                  the ratio; skipped, with the reason, without spin or cc
 *
 * BENCH_FULL=1 adds v8 at 3 threads x 2 calls without a preemption bound (one of its
 * programs alone is 4.6M classes, 518 s on one core), in the DPOR figures and beside Spin;
 * by default that bound runs with at most 2 preemptions.
 */
import { availableParallelism } from "node:os";
import { checkExhaustive } from "../src/explore/exhaustive/check.js";
import { exploreProgram } from "../src/explore/exhaustive/dpor.js";
import { enumeratePrograms } from "../src/explore/exhaustive/programs.js";
import { traceKey } from "../src/explore/exhaustive/traces.js";
import { checkExhaustiveParallel } from "../src/explore/exhaustive/workers.js";
import { sizeText } from "../src/report/text.js";
import { riscvHgatp } from "../src/targets/riscv-hgatp/index.js";
import type { Subject } from "../src/targets/target.js";
import { sideBySide } from "./spin.js";

const BUDGET_MS = 20_000;
/** Programs whose brute force would run longer than this many interleavings are left out of the ratio. */
const BRUTE_LIMIT = 1_500_000;

class Budget extends Error {}

/** Every interleaving of `threads`, stopping at `limit`: [interleavings, classes] or null when cut. */
function bruteForce(subject: Subject, threads: Subject["alphabet"][], limit: number): [number, number] | null {
  const keys = new Set<string>();
  let n = 0;
  try {
    exploreProgram(
      (s) => subject.execute(threads, s),
      { reduction: "none" },
      (ex) => {
        if (++n > limit) throw new Budget();
        keys.add(traceKey(ex));
      },
    );
  } catch (e) {
    if (e instanceof Budget) return null;
    throw e;
  }
  return [n, keys.size];
}

function reduction(variant: string, threads: number, calls: number): void {
  const subject = riscvHgatp.subject(variant);
  const alphabet = subject.exhaustive!.alphabet;
  let interleavings = 0;
  let classes = 0;
  let explored = 0;
  let programs = 0;
  let skipped = 0;
  for (const p of enumeratePrograms({ alphabetSize: alphabet.length, threads, calls })) {
    if (p.length < 2) continue; // one thread: one interleaving, nothing to reduce
    const program = p.map((t) => t.map((k) => alphabet[k]!));
    const brute = bruteForce(subject, program, BRUTE_LIMIT);
    if (!brute) {
      skipped++;
      continue;
    }
    const dpor = exploreProgram((s) => subject.execute(program, s), { reduction: "dpor" }, () => {});
    interleavings += brute[0];
    classes += brute[1];
    explored += dpor.executions;
    programs++;
  }
  console.log(
    `  riscv-hgatp@${variant} ${threads}x${calls}, ${programs} multi-thread programs${skipped ? ` (${skipped} left out: over ${BRUTE_LIMIT} interleavings)` : ""}: ` +
      `${interleavings} interleavings, ${classes} classes counted from traces, DPOR explored ${explored}: ` +
      `${(explored / classes).toFixed(2)} executions per class, ${(interleavings / explored).toFixed(0)}x fewer than brute force`,
  );
}

/** With `property`, the time to that property's shortest counterexample (the run stops there); else to the proof. */
async function timed(variant: string, threads: number, calls: number, preemptions?: number, property?: string): Promise<void> {
  const subject = riscvHgatp.subject(variant);
  const workers = availableParallelism();
  const opts = { threads, calls, ...(preemptions !== undefined ? { preemptions } : {}), ...(property ? { properties: [property] } : {}) };
  const r = await checkExhaustiveParallel(subject, {}, opts, workers);
  const found = Object.entries(r.findings)
    .map(([p, f]) => `${p} ${sizeText({ calls: f.calls, threads: f.threadCount, preemptions: f.preemptions })}`)
    .join("; ");
  const bound = `${threads}x${calls}${preemptions !== undefined ? ` (<= ${preemptions} preemptions)` : ""}${property ? ` --property ${property}` : ""}`;
  console.log(
    `  riscv-hgatp@${variant} ${bound}, DPOR, ${workers} workers: ${(r.ms / 1000).toFixed(1)} s, ${r.programs} programs, ` +
      `${r.executions} executions (${Math.round(r.executions / (r.ms / 1000))}/s); ${found ? `shortest: ${found}` : "proof"}`,
  );
  // Without DPOR: the same bound, one thread, for a fixed budget.
  const alphabet = subject.exhaustive!.alphabet;
  const all = enumeratePrograms({ alphabetSize: alphabet.length, threads, calls });
  const started = performance.now();
  let done = 0;
  let executions = 0;
  try {
    for (const p of all) {
      const program = p.map((t) => t.map((k) => alphabet[k]!));
      exploreProgram(
        (s) => subject.execute(program, s),
        { reduction: "none", ...(preemptions !== undefined ? { preemptionBound: preemptions } : {}) },
        () => {
          executions++;
          if (performance.now() - started > BUDGET_MS) throw new Budget();
        },
      );
      done++;
    }
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
  }
  const s = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    done === all.length
      ? `  riscv-hgatp@${variant} ${bound}, no reduction, 1 thread: ${s} s, ${executions} executions`
      : `  riscv-hgatp@${variant} ${bound}, no reduction, 1 thread: not done in ${s} s: ${done} of ${all.length} programs, ${executions} executions`,
  );
}

console.log("exhaustive: DPOR against equivalence classes counted by brute force");
reduction("v8", 2, 1);
reduction("v7", 2, 1);
console.log("exhaustive: time to the shortest counterexample / the proof");
// The shortest counterexamples of the single view (what Spin's model checks): the run
// stops once they are known. (With every property, v2 is the whole bound: lockdep, no-warn
// and no-deadlock hold, and v2's oopses multiply the classes.)
await timed("v2", 2, 3, undefined, "hgatp-single-view");
await timed("v7", 2, 3, undefined, "hgatp-single-view");
await timed("v8", 2, 3);
if (process.env.BENCH_FULL) await timed("v8", 3, 2);
else await timed("v8", 3, 2, 2);
// One thread, no workers: the single-core rates the figures above divide.
{
  const subject = riscvHgatp.subject("v8");
  const alphabet = subject.exhaustive!.alphabet;
  let executions = 0;
  let steps = 0;
  const t0 = performance.now();
  for (const p of enumeratePrograms({ alphabetSize: alphabet.length, threads: 2, calls: 2 })) {
    const program = p.map((t) => t.map((k) => alphabet[k]!));
    const st = exploreProgram(
      (sched) => {
        const ex = subject.execute(program, sched);
        steps += ex.stepTids.length;
        return ex;
      },
      { reduction: "dpor" },
      () => {},
    );
    executions += st.executions;
  }
  const explore = (performance.now() - t0) / 1000;
  const one = checkExhaustive(subject, { threads: 2, calls: 2 });
  console.log(
    `  riscv-hgatp@v8 2x2, DPOR, 1 thread: exploring alone ${Math.round(executions / explore)} executions/s, ${Math.round(steps / explore)} steps/s ` +
      `(${executions} executions, ${steps} steps); with every property checked ${Math.round(one.executions / (one.ms / 1000))} executions/s`,
  );
}

// Side by side with Spin, whole process each (bench/spin.ts).
sideBySide(Boolean(process.env.BENCH_FULL), Number(process.env.BENCH_REPEAT ?? 3));
