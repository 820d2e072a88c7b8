/**
 * What a replay token is and how one is made: the format, without its reader. Making
 * tokens is on every run's path; reading one (replay.ts) validates untrusted input with
 * the program schema, which only the commands that take tokens load.
 */
import { Buffer } from "node:buffer";
import type { TargetOptions, Threads } from "../targets/target.js";

/** The token format's version, written after `kvmoc`. */
export const VERSION = 1;
export const PREFIX = `kvmoc${VERSION}.`;
/** A longer token is refused before it is decoded (the tool's own are a few kB). */
export const MAX_TOKEN_LENGTH = 1 << 20;

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
