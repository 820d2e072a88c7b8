/**
 * What comes out of a sandbox is checked before the checker uses it: plain data (the
 * structured clone already drops functions and getters) of the shape our own code in the
 * sandbox produces, naming only the subject's properties. A sandbox whose answer does
 * not fit is a variant that tampered with the checker's code there: the file's fault.
 */
import { z } from "zod";
import type { CheckReport } from "../../explore/random.js";
import type { ExhaustiveResult } from "../../explore/exhaustive/check.js";
import type { Execution } from "../../kernel/rt/execution.js";
import type { Verdict } from "../../../properties/property.js";

const int = z.number().int();
const nat = int.nonnegative();
const ints = z.array(int);
const call = z.looseObject({ ioctl: z.string() });
const threads = z.array(z.array(call));

const event = z.intersection(
  z.object({ i: nat, tid: nat, call: nat }),
  z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("invoke"), ioctl: call }),
    z.object({ kind: z.literal("return"), result: z.looseObject({ r: z.number() }) }),
    z.object({ kind: z.literal("read"), loc: z.string(), value: z.unknown() }),
    z.object({ kind: z.literal("write"), loc: z.string(), value: z.unknown(), old: z.unknown() }),
    z.object({ kind: z.literal("acquire"), loc: z.string() }),
    z.object({ kind: z.literal("release"), loc: z.string() }),
    z.object({ kind: z.literal("choice"), point: z.string(), value: z.unknown(), of: nat }),
    z.object({ kind: z.literal("observe"), what: z.string(), data: z.record(z.string(), z.unknown()) }),
    z.object({ kind: z.literal("fault"), fault: z.enum(["lockdep", "deadlock", "hang", "oops", "warn"]), message: z.string() }),
  ]),
);

const execution = z.object({
  initial: z.record(z.string(), z.unknown()),
  events: z.array(event),
  outcome: z.enum(["complete", "deadlock", "oops", "pruned"]),
  stepTids: z.array(nat),
  stepEnabled: z.array(nat),
});

const verdict = z.union([z.object({ holds: z.literal(true) }), z.object({ holds: z.literal(false), message: z.string(), events: z.array(nat) })]);

const counterexample = z.object({
  property: z.string(),
  message: z.string(),
  events: z.array(nat),
  threads,
  decisions: ints,
  execution,
  size: z.object({ calls: nat, threads: nat, preemptions: nat }),
  replay: z.string(),
});

const coverageSummary = z.looseObject({ machine: z.string() });

const checkReport = z.object({
  target: z.string(),
  variant: z.string(),
  seed: int,
  verdicts: z.array(
    z.union([
      z.object({ property: z.string(), statement: z.string(), verdict: z.literal("holds") }),
      z.object({ property: z.string(), statement: z.string(), verdict: z.literal("n/a"), why: z.string() }),
      z.object({ property: z.string(), statement: z.string(), verdict: z.literal("violated"), counterexample, foundAfter: nat }),
    ]),
  ),
  stats: z.looseObject({ executions: nat, ms: nat, runs: nat }),
  coverage: coverageSummary.optional(),
});

const finding = z.object({ program: nat, threads, decisions: ints, calls: nat, threadCount: nat, preemptions: nat });
const part = z.object({ index: int, count: nat });

const exhaustiveResult = z.object({
  target: z.string(),
  variant: z.string(),
  options: z.record(z.string(), z.string()),
  bound: z.object({ threads: nat, calls: nat, preemptions: nat.nullable(), reduction: z.string() }),
  alphabet: z.array(call),
  shard: part,
  totalPrograms: nat,
  programs: nat,
  executions: nat,
  classes: nat,
  pruned: nat,
  realTimeOrders: nat.optional(),
  properties: z.array(z.string()),
  findings: z.record(z.string(), finding),
  ms: nat,
  coverage: z.object({ machine: z.string(), transitions: z.array(z.string()).optional() }).optional(),
});

/** What a property name in an answer must be: one the subject has. */
export type Known = (name: string) => boolean;

/** The first thing wrong with `value` against `schema`, or null. */
function problem(schema: z.ZodType, value: unknown): string | null {
  const r = schema.safeParse(value);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  return `${issue.path.map(String).join(".") || "the answer"}: ${issue.message}`;
}

export class WireError extends Error {}

function check<T>(schema: z.ZodType, value: unknown, names: readonly string[], known: Known): T {
  const wrong = problem(schema, value) ?? names.filter((n) => !known(n)).map((n) => `unknown property '${n}'`)[0] ?? null;
  if (wrong) throw new WireError(wrong);
  return value as T;
}

export const executedOf = (v: { execution: unknown; used: unknown; options: unknown; verdicts: unknown }, known: Known) =>
  check<{ execution: Execution; used: number[]; options: number[]; verdicts: Record<string, Verdict> }>(
    z.object({ execution, used: z.array(nat), options: z.array(nat), verdicts: z.record(z.string(), verdict) }),
    v,
    Object.keys((v.verdicts ?? {}) as object),
    known,
  );

export const checkReportOf = (v: unknown, known: Known) =>
  check<CheckReport>(checkReport, v, ((v as CheckReport)?.verdicts ?? []).map((x) => x?.property), known);

export const exhaustiveResultOf = (v: unknown, known: Known) =>
  check<ExhaustiveResult>(exhaustiveResult, v, [...((v as ExhaustiveResult)?.properties ?? []), ...Object.keys((v as ExhaustiveResult)?.findings ?? {})], known);
