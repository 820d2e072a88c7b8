/**
 * Replay tokens: one string that reproduces a counterexample in one execution. It
 * carries the program itself (not alphabet indices, so a token stays valid when an
 * alphabet changes), the decisions, the subject and the property.
 *
 * A token is input from anyone (bug reports, mails): `decodeReplay` validates every
 * field with one schema (the program with program/schema.ts's, names by their
 * spelling), and `decisionsProblem` refuses decisions that do not fit the execution,
 * so that a token replays exactly what it says or is refused.
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import type { ReplaySpec } from "./replay-token.js";
import { BadTokenError, MAX_TOKEN_LENGTH, PREFIX, VERSION } from "./replay-token.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import { decisionsSchema, issueText, nameSchema, optionsSchema, programSchema } from "../program/schema.js";
import type { Subject, Target, TargetOptions, Threads } from "../targets/target.js";


/** The token's body: short keys (a token is pasted around); errors name them by what they hold (FIELDS). */
const tokenSchema = z.strictObject(
  {
    t: nameSchema("target"),
    v: nameSchema("variant"),
    o: optionsSchema.optional(),
    p: nameSchema("property"),
    th: programSchema,
    d: decisionsSchema,
  },
  { error: "expected an object" },
);

const FIELDS: Record<string, string> = { t: "target", v: "variant", o: "options", p: "property", th: "threads", d: "decisions" };

export function decodeReplay(token: string): ReplaySpec {
  if (token.length > MAX_TOKEN_LENGTH) throw new BadTokenError(`replay token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const version = /^kvmoc(\d+)\./.exec(token);
  if (version && version[1] !== String(VERSION))
    throw new BadTokenError(`replay token is of format ${version[1]!.slice(0, 10)}; this kvm-ordercheck reads format ${VERSION} (${PREFIX}...)`);
  if (!token.startsWith(PREFIX)) throw new BadTokenError(`replay token must start with ${PREFIX}`);
  const data = token.slice(PREFIX.length);
  // Buffer.from skips what is not base64url: check the alphabet first, so that nothing is ignored.
  if (!/^[A-Za-z0-9_-]*$/.test(data)) throw new BadTokenError("replay token is not valid base64url JSON");
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data, "base64url").toString("utf8"));
  } catch {
    throw new BadTokenError("replay token is not valid base64url JSON");
  }
  const r = tokenSchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const [first, ...rest] = issue.path;
    const field = typeof first === "string" ? (FIELDS[first] ?? first) : "";
    throw new BadTokenError(`replay token: ${issueText(field, new z.ZodError([{ ...issue, path: rest }]))}`);
  }
  const b = r.data;
  return { target: b.t, variant: b.v, options: b.o ?? {}, property: b.p, threads: b.th, decisions: b.d };
}

/**
 * Null if `decisions` fit the execution of `threads` on `subject` (each below its
 * point's number of options, none left over), else why not. The scheduler takes
 * decisions modulo the options (so that drawn and shrunk lists are executions); a
 * token's must already be in range, or it would replay something else than it says.
 */
export function decisionsProblem(subject: Subject, threads: Threads, decisions: readonly number[]): string | null {
  const scheduler = new DecisionScheduler(decisions);
  subject.execute(threads, scheduler);
  const k = decisions.findIndex((d, i) => i < scheduler.options.length && d >= scheduler.options[i]!);
  if (k >= 0)
    return `decision ${k} is ${decisions[k]}, but that point of the execution has ${scheduler.options[k]} options (0 to ${scheduler.options[k]! - 1})`;
  if (decisions.length > scheduler.options.length)
    return `it has ${decisions.length} decisions, but its execution makes ${scheduler.options.length} choices`;
  return null;
}

/** Null if `target` takes every one of `options` (a token's, a shard's), else which it does not. */
export function targetOptionsProblem(target: Target, options: TargetOptions): string | null {
  const takes = target.options ?? {};
  for (const [name, value] of Object.entries(options))
    if (!Object.hasOwn(takes, name) || !takes[name]!.includes(value)) {
      const known = Object.entries(takes).map(([k, v]) => `${k}: ${v.join(", ")}`);
      return `option ${name}=${value} is not one ${target.name} takes (${known.length ? known.join("; ") : "it takes none"})`;
    }
  return null;
}
