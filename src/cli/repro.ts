/**
 * `--repro <out.c>` and `--repro-style selftest|standalone` on `check` and `replay`:
 * write the C reproducer of the first (check) or the given (replay) counterexample and
 * say where it went. `--kernel-tree <dir>` writes it as a selftest into a kernel tree
 * (tools/testing/selftests/kvm, with its Makefile line); `--iterations <n>` fixes how
 * many times a multi-thread reproducer races (else it races for a time budget).
 */
import { dirname, resolve } from "node:path";
import type { Counterexample } from "../explore/counterexample.js";
import type { Subject } from "../targets/target.js";
import { UsageError } from "../targets/errors.js";
import type { ReproOptions } from "../report/repro/emit.js";
import { checkKernelTree, selftestName, writeIntoTree } from "../report/repro/kernel-tree.js";
import { checkOutputFile, put } from "./outputs.js";

export const REPRO_STYLES = ["standalone", "selftest"] as const;
export type ReproStyle = (typeof REPRO_STYLES)[number];

export interface ReproRequest {
  /** The file to write; absent when the reproducer goes into a kernel tree. */
  readonly path?: string;
  readonly kernelTree?: string;
  readonly style: ReproStyle;
  readonly options: ReproOptions;
  /** Where to say what was written (stderr when stdout carries JSON). */
  readonly say: (s: string) => void;
}

export interface ReproFlags {
  repro?: string;
  reproStyle?: string;
  kernelTree?: string;
  iterations?: number;
}

/** From the command's options; none when neither --repro nor --kernel-tree is given (--repro-style or --iterations alone is an error). */
export function reproRequest(o: ReproFlags, json: boolean, write: (s: string) => void): ReproRequest | undefined {
  const say = json ? (s: string) => void process.stderr.write(s) : write;
  const options: ReproOptions = o.iterations !== undefined ? { iterations: o.iterations } : {};
  if (o.kernelTree !== undefined) {
    if (o.repro !== undefined) throw new UsageError("--kernel-tree writes the selftest into the tree: give --kernel-tree or --repro, not both");
    if (o.reproStyle === "standalone") throw new UsageError("--kernel-tree writes a selftest: it does not go with --repro-style standalone");
    checkKernelTree(o.kernelTree);
    return { kernelTree: o.kernelTree, style: "selftest", options, say };
  }
  if (o.repro === undefined) {
    if (o.reproStyle !== undefined) throw new UsageError("--repro-style goes with --repro <out.c>");
    if (o.iterations !== undefined) throw new UsageError("--iterations goes with --repro <out.c> or --kernel-tree <dir>");
    return undefined;
  }
  checkOutputFile("--repro", o.repro);
  const style = (o.reproStyle ?? "standalone") as ReproStyle;
  return { path: o.repro, style, options, say };
}

/** The reproducer's C; its emitters (with the program schema that checks what they format) load only when one is asked for. */
async function reproC(cx: Counterexample, subject: Subject, style: ReproStyle, options: ReproOptions = {}): Promise<string> {
  return style === "selftest"
    ? (await import("../report/repro/selftest.js")).selftestC(cx, subject, options)
    : (await import("../report/repro/standalone.js")).standaloneC(cx, subject, options);
}

/** Writes the C of the first counterexample found (in report order), or says there is none. */
export async function writeRepro(req: ReproRequest, found: readonly { cx: Counterexample; subject: Subject }[]): Promise<void> {
  const first = found[0];
  if (!first) {
    req.say("no counterexample found: no C reproducer written\n");
    return;
  }
  const { cx, subject } = first;
  const code = await reproC(cx, subject, req.style, req.options);
  const what = `C reproducer (${req.style}) of ${subject.target}@${subject.variant} ${cx.property}`;
  if (req.kernelTree !== undefined) {
    const { archOf } = await import("../report/repro/plan.js");
    const p = writeIntoTree(req.kernelTree, archOf(subject.target), selftestName(subject.target, subject.variant, cx.property), code);
    req.say(`${what} written to ${resolve(p.file)}, with '${p.line}' in ${resolve(p.makefile)} (build: make -C ${dirname(resolve(p.makefile))} ${resolve(dirname(p.makefile), p.program)})\n`);
    return;
  }
  const path = req.path!;
  put("--repro", path, code);
  const how = req.style === "standalone" ? `cc -Wall -pthread -o repro ${path} && ./repro` : "a KVM selftest: put it in tools/testing/selftests/kvm/, or use --kernel-tree";
  req.say(`${what} written to ${resolve(path)} (${how})\n`);
}

export { reproHint } from "../report/repro/hint.js";
