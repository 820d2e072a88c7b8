/**
 * A variant file's subject on the checker's side. Its metadata (alphabet, properties'
 * names and statements, the reference machine's shape) is built here from the variant
 * as data, with stand-ins where its functions were; everything that runs the file's
 * code runs in its sandbox: an execution (replays, reports) is asked for synchronously
 * and comes back with every property's verdict on it, and whole checks (random, the
 * slices of an exhaustive run) run there and send back their results.
 */
import type { ExhaustiveOptions, ExhaustiveResult } from "../explore/exhaustive/check.js";
import { boundOf, combineParts } from "../explore/exhaustive/check.js";
import type { CheckReport, RandomOptions } from "../explore/random.js";
import { checkRandom } from "../explore/random.js";
import type { Execution } from "../kernel/rt/execution.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { Verdict } from "../../properties/property.js";
import type { UserVariant } from "./interface.js";
import { Sandbox } from "./sandbox/host.js";
import type { Known } from "./sandbox/wire.js";
import { userVariantSubject } from "./subject.js";

interface Remote {
  readonly sandbox: Sandbox;
  readonly options: TargetOptions;
  readonly known: Known;
}

const remotes = new WeakMap<Subject, Remote>();

const elsewhere = () => new Error("internal: a variant file's code runs only in its sandbox");

/** Stand-ins for the variant's functions: the checker's side never calls them. */
export const STAND_INS = {
  generator: function* standIn(): Generator<never, never> {
    throw elsewhere();
  },
  plain: (): never => {
    throw elsewhere();
  },
};

export function remoteSubject(file: string, variant: UserVariant, sandbox: Sandbox, options: TargetOptions): Subject {
  const local = userVariantSubject(file, variant, options);
  const names = new Set([...local.properties.map((p) => p.name), ...(local.unchecked ?? []).map((u) => u.property)]);
  const known: Known = (n) => names.has(n);
  const verdicts = new WeakMap<Execution, Readonly<Record<string, Verdict>>>();
  const subject: Subject = {
    ...local,
    properties: local.properties.map((p) => ({
      name: p.name,
      statement: p.statement,
      check(ex: Execution): Verdict {
        const v = verdicts.get(ex)?.[p.name];
        if (!v) throw new Error(`internal: ${p.name} of ${file} is checked in its sandbox, on the executions it ran`);
        return v;
      },
    })),
    execute(threads, scheduler) {
      // Whole checks run in the sandbox (checkRandomOf, checkExhaustiveParallel); here, replays of a decision list.
      if (!(scheduler instanceof DecisionScheduler)) throw new Error("internal: only a list of decisions crosses to a variant file's sandbox (check it with checkRandomOf or checkExhaustiveParallel)");
      const r = sandbox.execute(options, threads, scheduler.decisions, known);
      scheduler.used.push(...r.used);
      scheduler.options.push(...r.options);
      verdicts.set(r.execution, r.verdicts);
      return r.execution;
    },
  };
  remotes.set(subject, { sandbox, options, known });
  return subject;
}

/** `checkRandom`, in the sandbox for a variant file's subject. */
export async function checkRandomOf(subject: Subject, opts: RandomOptions): Promise<CheckReport> {
  const r = remotes.get(subject);
  return r ? r.sandbox.random(r.options, opts, r.known) : checkRandom(subject, opts);
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
    const extra = Array.from({ length: workers - 1 }, () => new Sandbox(r.sandbox.path));
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
