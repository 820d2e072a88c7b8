/**
 * Which subjects are a variant file's, whose code runs only in a sandbox, and how their
 * whole checks run there. Kept apart from remote.ts (which makes such subjects, with
 * the sandbox's host and the variant's schema) so that a run of the shipped variants
 * loads none of it.
 */
import type { ExhaustiveOptions, ExhaustiveResult } from "../explore/exhaustive/check.js";
import { boundOf, combineParts } from "../explore/exhaustive/check.js";
import type { CheckReport, RandomOptions } from "../explore/random.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { Sandbox } from "./sandbox/host.js";
import type { Known } from "./sandbox/wire.js";

interface Remote {
  readonly sandbox: Sandbox;
  readonly options: TargetOptions;
  readonly known: Known;
  /** Another sandbox of the same file (an exhaustive run's other workers). */
  readonly sibling: () => Sandbox;
}

const remotes = new WeakMap<Subject, Remote>();

/** Marks `subject` as a variant file's, run in `remote.sandbox` (remote.ts). */
export function registerSandboxed(subject: Subject, remote: Remote): void {
  remotes.set(subject, remote);
}

/** `checkRandom`, in the sandbox for a variant file's subject. */
export async function checkRandomOf(subject: Subject, opts: RandomOptions): Promise<CheckReport> {
  const r = remotes.get(subject);
  // fast-check loads with the random mode, not with this module (the exhaustive mode imports it too).
  return r ? r.sandbox.random(r.options, opts, r.known) : (await import("../explore/random.js")).checkRandom(subject, opts);
}

/**
 * An exhaustive run of a variant file's subject, null for any other: slice 0 in the
 * file's sandbox, the others (`workers` > 1) in sandboxes of their own; combined as
 * workers' parts are. If one fails, all are ended: the variant is broken.
 */
export function exhaustiveInSandbox(subject: Subject, opts: ExhaustiveOptions, workers: number): Promise<ExhaustiveResult> | null {
  const r = remotes.get(subject);
  if (!r) return null;
  if (workers <= 1) return r.sandbox.exhaustive(r.options, opts, r.known);
  boundOf(subject, opts);
  return (async () => {
    const extra = Array.from({ length: workers - 1 }, () => r.sibling());
    const all = [r.sandbox, ...extra];
    const progress = all.map(() => ({ done: 0, total: 0, executions: 0 }));
    const sum = (k: "done" | "total" | "executions") => progress.reduce((n, p) => n + p[k], 0);
    try {
      await Promise.all(extra.map((s) => s.load()));
      const parts = await Promise.all(
        all.map((s, index) =>
          s.exhaustive(
            r.options,
            {
              ...opts,
              slice: { index, count: workers },
              onProgress(done, total, executions) {
                progress[index] = { done, total, executions };
                opts.onProgress?.(sum("done"), sum("total"), sum("executions"));
              },
            },
            r.known,
          ),
        ),
      );
      return combineParts(parts);
    } catch (e) {
      await r.sandbox.close();
      throw e;
    } finally {
      await Promise.all(extra.map((s) => s.close()));
    }
  })();
}
