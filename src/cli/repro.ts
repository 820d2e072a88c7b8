/**
 * `--repro <out.c>` and `--repro-style selftest|standalone` on `check` and `replay`:
 * write the C reproducer of the first (check) or the given (replay) counterexample and
 * say where it went.
 */
import { resolve } from "node:path";
import type { Counterexample } from "../explore/counterexample.js";
import { selftestC } from "../report/repro/selftest.js";
import { standaloneC } from "../report/repro/standalone.js";
import type { Subject } from "../targets/target.js";
import { UsageError } from "../targets/errors.js";
import { checkOutputFile, put } from "./outputs.js";

export const REPRO_STYLES = ["standalone", "selftest"] as const;
export type ReproStyle = (typeof REPRO_STYLES)[number];

export interface ReproRequest {
  readonly path: string;
  readonly style: ReproStyle;
  /** Where to say what was written (stderr when stdout carries JSON). */
  readonly say: (s: string) => void;
}

/** From the command's options, the path checked before the run; none when --repro is absent (--repro-style alone is an error). */
export function reproRequest(
  o: { repro?: string; reproStyle?: string },
  json: boolean,
  write: (s: string) => void,
): ReproRequest | undefined {
  if (o.repro === undefined) {
    if (o.reproStyle !== undefined) throw new UsageError("--repro-style goes with --repro <out.c>");
    return undefined;
  }
  checkOutputFile("--repro", o.repro);
  const style = (o.reproStyle ?? "standalone") as ReproStyle;
  return { path: o.repro, style, say: json ? (s) => void process.stderr.write(s) : write };
}

export function reproC(cx: Counterexample, subject: Subject, style: ReproStyle): string {
  return style === "selftest" ? selftestC(cx, subject) : standaloneC(cx, subject);
}

/** Writes the C of the first counterexample found (in report order), or says there is none. */
export function writeRepro(req: ReproRequest, found: readonly { cx: Counterexample; subject: Subject }[]): void {
  const first = found[0];
  if (!first) {
    req.say("no counterexample found: no C reproducer written\n");
    return;
  }
  put("--repro", req.path, reproC(first.cx, first.subject, req.style));
  const how = req.style === "standalone" ? `cc -Wall -pthread -o repro ${req.path} && ./repro` : "a KVM selftest: put it in tools/testing/selftests/kvm/";
  req.say(
    `C reproducer (${req.style}) of ${first.subject.target}@${first.subject.variant} ${first.cx.property} written to ${resolve(req.path)} (${how})\n`,
  );
}

export { reproHint } from "../report/repro/hint.js";
