/**
 * A variant file's subject on the checker's side. Its metadata (alphabet, properties'
 * names and statements, the reference machine's shape) is built here from the variant
 * as data, with stand-ins where its functions were; everything that runs the file's
 * code runs in its sandbox: an execution (replays, reports) is asked for synchronously
 * and comes back with every property's verdict on it, and whole checks (random, the
 * slices of an exhaustive run) run there and send back their results.
 */
import type { Execution } from "../kernel/rt/execution.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { Verdict } from "../../properties/property.js";
import type { UserVariant } from "./interface.js";
import { Sandbox } from "./sandbox/host.js";
import type { Known } from "./sandbox/wire.js";
import { registerSandboxed } from "./sandboxed.js";
import { userVariantSubject } from "./subject.js";

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
  registerSandboxed(subject, { sandbox, options, known, sibling: () => new Sandbox(sandbox.path) });
  return subject;
}
