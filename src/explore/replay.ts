/**
 * Replay tokens: one string that reproduces a counterexample in one execution. It
 * carries the program itself (not alphabet indices, so a token stays valid when an
 * alphabet changes), the decisions, the subject and the property.
 */
import { Buffer } from "node:buffer";
import type { Call } from "../kernel/rt/trace.js";
import type { TargetOptions, Threads } from "../targets/target.js";

const PREFIX = "kvmoc1.";

export interface ReplaySpec {
  readonly target: string;
  readonly variant: string;
  readonly options: TargetOptions;
  readonly property: string;
  readonly threads: Threads;
  readonly decisions: readonly number[];
}

export function encodeReplay(spec: ReplaySpec): string {
  const body = { t: spec.target, v: spec.variant, o: spec.options, p: spec.property, th: spec.threads, d: spec.decisions };
  return PREFIX + Buffer.from(JSON.stringify(body)).toString("base64url");
}

export class BadTokenError extends Error {
  override name = "BadTokenError";
}

export function decodeReplay(token: string): ReplaySpec {
  if (!token.startsWith(PREFIX)) throw new BadTokenError(`replay token must start with ${PREFIX}`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    throw new BadTokenError("replay token is not valid base64url JSON");
  }
  const b = body as Record<string, unknown>;
  const isThreads = (x: unknown): x is Call[][] =>
    Array.isArray(x) &&
    x.every((t) => Array.isArray(t) && t.every((c) => typeof c === "object" && c !== null && typeof (c as Call).ioctl === "string"));
  const isDecisions = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => Number.isInteger(n) && n >= 0);
  if (typeof b.t !== "string" || typeof b.v !== "string" || typeof b.p !== "string" || !isThreads(b.th) || !isDecisions(b.d))
    throw new BadTokenError("replay token is missing its target, variant, property, threads or decisions");
  const options = (typeof b.o === "object" && b.o !== null ? b.o : {}) as TargetOptions;
  return { target: b.t, variant: b.v, options, property: b.p, threads: b.th, decisions: b.d };
}
