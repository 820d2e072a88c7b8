/** One worker thread of an exhaustive run: its slice of the programs, progress, then its result. */
import { parentPort, workerData } from "node:worker_threads";
import { isInputError } from "../../cli/errors.js";
import { findTarget } from "../../targets/registry.js";
import { throttledProgress } from "../progress-throttle.js";
import type { TargetOptions } from "../../targets/target.js";
import type { ExhaustiveOptions } from "./check.js";
import { checkExhaustive } from "./check.js";

interface Job {
  readonly target: string;
  readonly variant: string;
  readonly options: TargetOptions;
  /** A variant from --variant-file: its file, loaded here as in the main thread. */
  readonly source?: string;
  readonly opts: Omit<ExhaustiveOptions, "onProgress" | "onLayer" | "onShortest" | "found" | "handOff">;
  /** Shared with the other workers: the smallest size each property was found violated at. */
  readonly found: Int32Array;
  /** Counts the workers ready to take programs: the main thread hands over once all are. */
  readonly ready: Int32Array;
}

const job = workerData as Job;
try {
  const subject = job.source
    ? // The variant loaders (tsx, tree-sitter) only for a worker that has a file to load.
      (await (await import("../../variant/load.js")).loadVariantFile(job.source, { target: job.target })).subject(job.options)
    : findTarget(job.target).subject(job.variant, job.options);
  // Loaded: say so, then wait for the first program the main thread did not explore.
  Atomics.add(job.ready, 0, 1);
  const start = await new Promise<{ fromIndex: number }>((resolve) => parentPort!.once("message", resolve));
  const result = checkExhaustive(subject, {
    ...job.opts,
    fromIndex: start.fromIndex,
    found: job.found,
    onLayer(size, shortest) {
      parentPort!.postMessage({ kind: "layer", size, shortest });
    },
    onProgress: throttledProgress((done, total, executions) => parentPort!.postMessage({ kind: "progress", done, total, executions })),
  });
  parentPort!.postMessage({ kind: "done", result });
} catch (e) {
  // An error class does not survive the trip to the main thread: say whether it is the
  // user's input (a --variant-file hook that throws, a program the target refuses).
  if (!isInputError(e)) throw e;
  parentPort!.postMessage({ kind: "input-error", message: e.message });
}
