/**
 * Race mode: multi-thread programs on real threads. Each program thread is a worker
 * thread of this process (the kernel wants a VM's fds used by the process that created
 * them); a program is repeated R times on a fresh VM each time; every real history is
 * checked for linearizability against the Subject's reference model, and the outcomes
 * (each call's return, thread by thread) are counted and set against what the
 * Subject's model can produce, all interleavings explored (Source-DPOR,
 * src/explore/exhaustive/dpor.ts).
 */
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { checkLinearizable } from "../check/linearizability.js";
import { exploreProgram } from "../explore/exhaustive/dpor.js";
import type { Call } from "../kernel/rt/trace.js";
import { history } from "../kernel/rt/trace.js";
import type { Subject, Threads } from "../targets/target.js";
import { describeCall, describeResult } from "../program/describe.js";
import type { RealBackend } from "./backend.js";
import { traceOf } from "./backend.js";
import { outcomeKey } from "./outcomes.js";
import type { RaceAnswer, RaceMessage, RaceRequest, RaceWorkerData } from "./race-worker.js";
import { resetVcpuTable, sharedVcpuTable } from "./shared-vcpus.js";
import type { CallRecord } from "./session.js";

export interface RaceOptions {
  readonly threads: number;
  /** Programs to draw. */
  readonly programs: number;
  readonly repeat: number;
  readonly seed: number;
  readonly calls: number;
  readonly watchdogMs?: number;
}

export interface OutcomeCount {
  readonly key: string;
  readonly count: number;
  /** The model's exhaustive exploration reaches this outcome too. */
  readonly possible: boolean;
}

export interface ProgramRaceReport {
  readonly threads: Threads;
  readonly real: readonly OutcomeCount[];
  /** Outcomes the model allows that no repetition hit. */
  readonly unseen: readonly string[];
  readonly modelExecutions: number;
  /** Repetitions whose history no real-time-consistent order of the reference model accepts. */
  readonly notLinearizable: number;
  readonly firstViolation?: string;
}

export interface RaceReport {
  readonly target: string;
  readonly variant: string;
  readonly options: RaceOptions;
  readonly programs: readonly ProgramRaceReport[];
}

/** The model's possible outcomes for a program: every interleaving up to equivalence. */
export function modelOutcomes(subject: Subject, threads: Threads): { outcomes: Set<string>; executions: number } {
  const outcomes = new Set<string>();
  const stats = exploreProgram((s) => subject.execute(threads, s), { reduction: "dpor" }, (ex) => {
    if (ex.outcome === "complete") outcomes.add(outcomeKey(threads, ex));
  });
  return { outcomes, executions: stats.complete };
}

/** One worker per program thread, kept for the whole run. */
class RacePool {
  private readonly workers: Worker[] = [];
  private generation = 0;
  readonly shared: SharedArrayBuffer;

  private readonly done = new SharedArrayBuffer(4);
  private readonly vcpus = sharedVcpuTable();

  private constructor(readonly n: number) {
    this.shared = new SharedArrayBuffer(8 + 8 * n);
  }

  static async start(backend: RealBackend, n: number, watchdogMs: number): Promise<RacePool> {
    const pool = new RacePool(n);
    const here = import.meta.url;
    // From the sources (tests, tsx) the worker is TypeScript: the exhaustive workers' boot
    // module registers tsx's loader in the worker thread first.
    const fromSource = here.endsWith(".ts");
    const module = new URL(fromSource ? "./race-worker.ts" : "./race-worker.js", here).href;
    const url = fromSource ? new URL("../explore/exhaustive/worker-boot.mjs", here) : new URL(module);
    await Promise.all(
      Array.from({ length: n }, (_, tid) => {
        const data: RaceWorkerData & { module: string } = {
          module,
          tid,
          threads: n,
          devFd: backend.devFd,
          vcpuMmapSize: backend.vcpuMmapSize,
          arenaBase: backend.arenaBase.toString(),
          watchdogMs,
          shared: pool.shared,
          done: pool.done,
          vcpus: pool.vcpus.buffer as SharedArrayBuffer,
        };
        const w = new Worker(url, { workerData: data });
        pool.workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once("message", () => resolve());
          w.once("error", reject);
        });
      }),
    );
    return pool;
  }

  /** Runs the threads once on `vmFd`, all starting together. */
  async runOnce(vmFd: number, threads: Threads): Promise<RaceAnswer[]> {
    this.generation++;
    // Every worker answered the last repetition: none is using the table.
    resetVcpuTable(this.vcpus);
    return Promise.all(
      this.workers.map(
        (w, tid) =>
          new Promise<RaceAnswer>((resolve, reject) => {
            w.once("message", (a: RaceAnswer) => (a.error ? reject(new Error(a.error)) : resolve(a)));
            w.postMessage({ vmFd, calls: threads[tid] ?? [], generation: this.generation } satisfies RaceRequest);
          }),
      ),
    );
  }

  /** Each worker deletes its timer, then ends. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once("message", () => resolve());
            w.once("error", () => resolve());
            w.postMessage({ stop: true } satisfies RaceMessage);
          }),
      ),
    );
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Orders every invoke and return by the workers' shared clock. */
function orderOf(answers: readonly RaceAnswer[]): [number, number, "invoke" | "return"][] {
  const steps: [number, number, number, "invoke" | "return"][] = [];
  answers.forEach((a, tid) =>
    a.stamps.forEach(([inv, ret], k) => {
      steps.push([inv, tid, k, "invoke"], [ret, tid, k, "return"]);
    }),
  );
  steps.sort((x, y) => x[0] - y[0]);
  return steps.map(([, tid, k, kind]) => [tid, k, kind]);
}

/**
 * Draws `programs` programs of exactly `threads` threads from the calls whose order the
 * contract is about: the Subject's exhaustive alphabet where it has one (a race between a
 * cap and KVM_CREATE_VCPU), else its whole alphabet.
 */
export function racePrograms(subject: Subject, opts: Pick<RaceOptions, "threads" | "programs" | "seed" | "calls">): Call[][][] {
  const alphabet = subject.exhaustive?.alphabet ?? subject.alphabet;
  const callsFor = subject.exhaustive ? subject.exhaustive.callsFor : subject.callsFor;
  const thread = (tid: number) => {
    const allowed = callsFor?.(tid);
    const call = allowed ? fc.constantFrom(...allowed) : fc.integer({ min: 0, max: alphabet.length - 1 });
    return fc.array(call, { minLength: 1, maxLength: opts.calls });
  };
  const arb = fc.tuple(...Array.from({ length: opts.threads }, (_, t) => thread(t)));
  return fc.sample(arb, { numRuns: opts.programs, seed: opts.seed }).map((p) => p.map((t) => t.map((k) => alphabet[k]!)));
}

/** Races `given` programs (each with `opts.threads` threads), or `opts.programs` drawn ones. */
export async function runRace(subject: Subject, backend: RealBackend, opts: RaceOptions, given?: readonly Threads[]): Promise<RaceReport> {
  const pool = await RacePool.start(backend, opts.threads, opts.watchdogMs ?? 50);
  const programs: ProgramRaceReport[] = [];
  try {
    for (const threads of given ?? racePrograms(subject, opts)) {
      const counts = new Map<string, number>();
      let notLinearizable = 0;
      let firstViolation: string | undefined;
      for (let rep = 0; rep < opts.repeat; rep++) {
        const vmFd = backend.createVm();
        let answers: RaceAnswer[];
        try {
          answers = await pool.runOnce(vmFd, threads);
        } finally {
          backend.closeVm(vmFd);
        }
        const records: CallRecord[][] = answers.map((a) => [...a.records]);
        const ex = traceOf(threads, records, orderOf(answers));
        const key = outcomeKey(threads, ex);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        const lin = checkLinearizable(subject.model, history(ex.events));
        if (!lin.ok) {
          notLinearizable++;
          if (firstViolation === undefined) {
            const said = history(ex.events)
              .map((h) => `T${h.tid}:${describeCall(h.call)} = ${describeResult(h.call, h.result!)}`)
              .join(", ");
            firstViolation = `${said}: ${lin.rejections.map((r) => r.reason).join("; ")}`;
          }
        }
      }
      const model = modelOutcomes(subject, threads);
      const real = [...counts].sort((a, b) => b[1] - a[1]).map(([key, count]) => ({ key, count, possible: model.outcomes.has(key) }));
      const unseen = [...model.outcomes].filter((k) => !counts.has(k));
      programs.push({ threads, real, unseen, modelExecutions: model.executions, notLinearizable, ...(firstViolation !== undefined ? { firstViolation } : {}) });
    }
  } finally {
    await pool.stop();
  }
  return { target: subject.target, variant: subject.variant, options: opts, programs };
}
