/**
 * Exhaustive runs on several worker threads. While the workers start, the main thread
 * explores the first programs itself (a run that stops at a short counterexample often
 * ends there); then each worker takes every N-th of the remaining programs of the run's
 * share (`slice`), and the results combine as shards do. The bound is checked here
 * first, so that a bound too large is one error, not one per worker.
 */
import { Worker } from "node:worker_threads";
import { UsageError } from "../../targets/errors.js";
import type { Subject, TargetOptions } from "../../targets/target.js";
import type { ExhaustiveOptions, ExhaustiveResult } from "./check.js";
import { NOT_FOUND, boundOf, checkExhaustive, combineParts } from "./check.js";
import type { ExhaustiveFinding } from "./check.js";
import { ShortestTracker } from "./shortest.js";

/** What a worker posts (worker.ts). */
interface WorkerMessage {
  readonly kind: "progress" | "layer" | "done" | "input-error";
  readonly done: number;
  readonly total: number;
  readonly executions: number;
  /** "layer": the worker has explored its programs of up to this many calls (Infinity: all). */
  readonly size: number;
  readonly shortest: Record<string, ExhaustiveFinding>;
  readonly result: ExhaustiveResult;
  readonly message: string;
}
import { exhaustiveInSandbox } from "../../variant/sandboxed.js";

/** How long the main thread explores alone before the workers are started. */
const SPAWN_AFTER_MS = 150;

export async function checkExhaustiveParallel(
  subject: Subject,
  options: TargetOptions,
  opts: ExhaustiveOptions,
  workers: number,
): Promise<ExhaustiveResult> {
  // A variant file's code runs only in its sandboxes (src/variant/sandbox/).
  const sandboxed = exhaustiveInSandbox(subject, opts, workers);
  if (sandboxed) return sandboxed;
  if (workers <= 1) return checkExhaustive(subject, opts);
  boundOf(subject, opts);
  const { onProgress, onShortest, onLayer: _onLayer, found: _found, budgetMs, handOff: _handOff, fromIndex: _from, ...plain } = opts;
  // Which properties some worker found and at what size, so that all stop at the shortest.
  const wanted = subject.properties.filter((p) => !opts.properties || opts.properties.includes(p.name)).length;
  const found = new Int32Array(new SharedArrayBuffer(4 * Math.max(wanted, 1))).fill(NOT_FOUND);
  // How many workers have loaded the tool and wait for their first program.
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const tracker = onShortest ? new ShortestTracker(workers + 1, onShortest) : null;
  const started = performance.now();
  const here = import.meta.url;
  // From the sources (tests, tsx) the worker is TypeScript: worker-boot.mjs registers
  // tsx's loader in the worker thread first.
  const fromSource = here.endsWith(".ts");
  const module = new URL(fromSource ? "./worker.ts" : "./worker.js", here).href;
  const url = fromSource ? new URL("./worker-boot.mjs", here) : new URL(module);
  const progress = Array.from({ length: workers }, () => ({ done: 0, total: 0, executions: 0 }));
  const running: Worker[] = [];
  let head: ExhaustiveResult | null = null;
  type Parts = Promise<{ results: ExhaustiveResult[] } | { error: unknown }>;
  let parts: Parts | null = null;
  const spawn = (): Parts =>
    Promise.all(
      Array.from(
        { length: workers },
        (_, index) =>
          new Promise<ExhaustiveResult>((resolve, reject) => {
            const w = new Worker(url, {
              workerData: {
                module,
                target: subject.target,
                variant: subject.variant,
                // A C variant file (translated, no code of the user's): the worker loads the file itself.
                ...(subject.source ? { source: subject.source } : {}),
                options,
                opts: { ...plain, slice: { index, count: workers } },
                found,
                ready,
              },
            });
            running.push(w);
            w.on("message", (m: WorkerMessage) => {
              if (m.kind === "done") resolve(m.result);
              else if (m.kind === "layer") tracker?.layer(index + 1, m.size, m.shortest);
              else if (m.kind === "input-error") reject(new UsageError(m.message));
              else {
                progress[index] = m;
                const sum = (k: "done" | "total" | "executions") => progress.reduce((n, p) => n + p[k], 0);
                onProgress?.(head!.programs + sum("done"), head!.programs + sum("total"), head!.executions + sum("executions"));
              }
            });
            w.on("error", reject);
            // After its result this is a no-op; before it, the run would otherwise never settle.
            w.on("exit", (code) => reject(new Error(`exhaustive worker ${index} exited (${code}) before its result`)));
          }),
      ),
    ).then(
      (results) => ({ results }),
      (error: unknown) => ({ error }),
    );
  const stopAll = () => Promise.all(running.map((w) => w.terminate()));

  // The main thread explores the first programs itself. The workers are started only once
  // it has been at it for SPAWN_AFTER_MS: a run that ends sooner (a short counterexample, a
  // small bound) starts none, and does not share the cores with threads loading the tool
  // (each loads all of it: most of a second). Then it goes on until they are ready.
  const handOff = (): boolean => {
    const elapsed = performance.now() - started;
    if (parts === null && elapsed >= Math.min(budgetMs ?? SPAWN_AFTER_MS, SPAWN_AFTER_MS)) parts = spawn();
    return budgetMs !== undefined ? elapsed >= budgetMs : parts !== null && Atomics.load(ready, 0) >= workers;
  };
  head = checkExhaustive(subject, {
    ...plain,
    found,
    handOff,
    onLayer: (size, shortest) => tracker?.layer(0, size, shortest),
    ...(onProgress ? { onProgress } : {}),
  });
  if (head.handedOffAt === undefined) {
    await stopAll();
    for (let k = 1; k <= workers; k++) tracker?.layer(k, Infinity, {});
    return head;
  }
  for (const w of running) w.postMessage({ kind: "start", fromIndex: head.handedOffAt });
  const done = await parts!;
  if ("error" in done) {
    // One worker failed: the others' answers would be part of a run that is not.
    await stopAll();
    throw done.error;
  }
  // The head handed off and did not stop: the run stopped at the shortest if every worker did.
  const { handedOffAt: _handedOff, stoppedAfter: _stopped, ...whole } = combineParts([head, ...done.results]);
  const stops = done.results.map((r) => r.stoppedAfter);
  return {
    ...whole,
    ...(stops.every((x) => x !== undefined) ? { stoppedAfter: Math.max(...stops) } : {}),
    ms: Math.round(performance.now() - started),
  };
}
