/**
 * Exhaustive runs on several worker threads: each takes every N-th program of the
 * run's share (`slice`), and their results combine as shards do. The bound is checked
 * here first, so that a bound too large is one error, not one per worker.
 */
import { Worker } from "node:worker_threads";
import { UsageError } from "../../targets/errors.js";
import type { Subject, TargetOptions } from "../../targets/target.js";
import type { ExhaustiveOptions, ExhaustiveResult } from "./check.js";
import { boundOf, checkExhaustive, combineParts } from "./check.js";
import { exhaustiveInSandbox } from "../../variant/remote.js";

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
  const { onProgress, ...plain } = opts;
  const here = import.meta.url;
  // From the sources (tests, tsx) the worker is TypeScript: worker-boot.mjs registers
  // tsx's loader in the worker thread first.
  const fromSource = here.endsWith(".ts");
  const module = new URL(fromSource ? "./worker.ts" : "./worker.js", here).href;
  const url = fromSource ? new URL("./worker-boot.mjs", here) : new URL(module);
  const progress = Array.from({ length: workers }, () => ({ done: 0, total: 0, executions: 0 }));
  const running: Worker[] = [];
  const parts = await Promise.all(
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
            },
          });
          running.push(w);
          w.on("message", (m: { kind: string; done: number; total: number; executions: number; result: ExhaustiveResult; message: string }) => {
            if (m.kind === "done") resolve(m.result);
            else if (m.kind === "input-error") reject(new UsageError(m.message));
            else {
              progress[index] = m;
              const sum = (k: "done" | "total" | "executions") => progress.reduce((n, p) => n + p[k], 0);
              onProgress?.(sum("done"), sum("total"), sum("executions"));
            }
          });
          w.on("error", reject);
          // After its result this is a no-op; before it, the run would otherwise never settle.
          w.on("exit", (code) => reject(new Error(`exhaustive worker ${index} exited (${code}) before its result`)));
        }),
    ),
  ).catch(async (e: unknown) => {
    // One worker failed: the others' answers would be part of a run that is not.
    await Promise.all(running.map((w) => w.terminate()));
    throw e;
  });
  return combineParts(parts);
}
