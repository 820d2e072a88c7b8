/**
 * The report files a `check` or `replay` writes besides its stdout: `--itf <file>`,
 * `--mermaid <file>` (the first counterexample), `--html <file>` (one page for the
 * whole run), `--report-dir <dir>` (a bundle per target@variant, report/bundle.ts),
 * and the lines saying where they went.
 */
import { accessSync, constants, existsSync, statSync, statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import type { CheckReport } from "../explore/random.js";
import { coverageSummary } from "../check/coverage.js";
import { allFindingsOf, statsText } from "../report/exhaustive.js";
import { exercisedNote } from "../check/lines.js";
import type { HtmlSection, HtmlVerdict } from "../report/html.js";
import { writeFileAtomic } from "../report/output-files.js";
import { UsageError } from "../targets/errors.js";
import type { Subject } from "../targets/target.js";

/** Where `--report-dir` writes when given no directory (the demo run). */
export const DEFAULT_REPORT_DIR = "kvm-ordercheck-report";

export interface OutputOptions {
  /** `--repro` (written by repro.ts): here only to be told apart from the other files. */
  repro?: string;
  itf?: string;
  mermaid?: string;
  html?: string;
  reportDir?: string;
}

export interface OutputRequest extends Readonly<OutputOptions> {
  /** Where to say what was written (stderr when stdout carries JSON). */
  readonly say: (s: string) => void;
}

/**
 * File systems that are not for files a report writes (statfs f_type, linux/magic.h):
 * writing there fails or means something else, and Node's recursive mkdir hangs in /proc.
 */
const SPECIAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0xcafe4a11, "bpf"],
  [0x62656570, "configfs"],
  [0x6165676c, "pstore"],
  [0xde5e81e4, "efivarfs"],
  [0x1cd1, "devpts"],
]);

/** `dir` (an existing path) is a directory this process can create files in, on an ordinary file system. */
function writableDir(flag: string, shown: string, dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${shown}: ${dir} is not a directory`);
    const special = SPECIAL_FS.get(statfsSync(dir).type);
    if (special) throw new UsageError(`${flag} ${shown}: ${dir} is on ${special}, not a file system for reports`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${shown}: directory ${dir} is not writable`);
  }
}

/** Before the run: a file's directory exists and takes files, and the file is new or a regular file. */
export function checkOutputFile(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  if (!path.trim() || path.includes("\0")) throw new UsageError(`${flag} needs a file name`);
  const abs = resolve(path);
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  writableDir(flag, path, dir);
  if (!existsSync(abs)) return;
  const st = statSync(abs);
  if (st.isDirectory()) throw new UsageError(`${flag} ${path} is a directory`);
  if (!st.isFile()) throw new UsageError(`${flag} ${path} is not a regular file`);
}

/** Before the run: a directory that exists, or whose nearest existing ancestor takes new directories. */
function checkOutputDir(flag: string, path: string): void {
  if (!path.trim() || path.includes("\0")) throw new UsageError(`${flag} needs a directory name`);
  let dir = resolve(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path} is a file`);
  while (!existsSync(dir)) dir = dirname(dir);
  writableDir(flag, path, dir);
}

/** One file for two outputs would keep only the last one written. */
function distinctFiles(paths: Readonly<Record<string, string | undefined>>): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of Object.entries(paths)) {
    if (path === undefined) continue;
    const other = seen.get(resolve(path));
    if (other) throw new UsageError(`${other} and ${flag} name the same file, ${path}`);
    seen.set(resolve(path), flag);
  }
}

/** From the command's options; none when no output is asked for. Every path is checked here, before the run. */
export function outputRequest(o: OutputOptions, json: boolean, write: (s: string) => void): OutputRequest | undefined {
  if (o.itf === undefined && o.mermaid === undefined && o.html === undefined && o.reportDir === undefined) return undefined;
  checkOutputFile("--itf", o.itf);
  checkOutputFile("--mermaid", o.mermaid);
  checkOutputFile("--html", o.html);
  distinctFiles({ "--repro": o.repro, "--itf": o.itf, "--mermaid": o.mermaid, "--html": o.html });
  if (o.reportDir !== undefined) checkOutputDir("--report-dir", o.reportDir);
  return { ...o, say: json ? (s) => void process.stderr.write(s) : write };
}

/** A random run's report of one subject, as the report files take it. */
export function sectionOfRandom(subject: Subject, r: CheckReport): HtmlSection {
  const verdicts = r.verdicts.map((v): HtmlVerdict =>
    v.verdict === "violated"
      ? { property: v.property, verdict: "violated", counterexample: v.counterexample, counterexamples: v.counterexamples }
      : v.verdict === "n/a"
        ? { property: v.property, verdict: "n/a", note: v.why }
        : { property: v.property, verdict: "holds", ...(v.exercised ? { note: v.exercised } : {}) },
  );
  return {
    subject,
    verdicts,
    coverage: r.coverage ?? null,
    how: `random: ${r.stats.runs} runs, ${r.stats.executions} executions in ${r.stats.ms} ms (seed ${r.seed})`,
  };
}

/** An exhaustive run's result of one subject (its findings replayed), as the report files take it. */
export function sectionOfExhaustive(subject: Subject, r: ExhaustiveResult): HtmlSection {
  const all = allFindingsOf(subject, r);
  const note = exercisedNote(subject, r.coverage?.lines);
  const verdicts = r.properties.map((p): HtmlVerdict => {
    const cxs = all.get(p);
    return cxs
      ? { property: p, verdict: "violated", counterexample: cxs[0]!, counterexamples: cxs }
      : { property: p, verdict: "holds", ...(note ? { note } : {}) };
  });
  return {
    subject,
    verdicts,
    ...(r.coverage ? { coverage: coverageSummary(subject.model, r.coverage) ?? null } : {}),
    how: `exhaustive (<= ${r.bound.threads} threads x ${r.bound.calls} calls): ${statsText(r)}`,
  };
}

/** A write's failure in a few words: "ENOSPC: no space left on device" (not the temporary file's name). */
const why = (e: unknown): string => (e instanceof Error ? e.message.split(",")[0]!.replace(/\s+/g, " ") : String(e));

/** Writes a report file whole (or, on a failure such as a full disk, not at all), or says why not on one line. */
export function put(flag: string, path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${flag} ${path}: ${why(e)}`);
  }
}

/** Writes what was asked; the writers (HTML, ITF, Mermaid, the bundle) load only when a run asks for one. */
export async function writeOutputs(req: OutputRequest, sections: readonly HtmlSection[]): Promise<void> {
  const [{ itfText }, { sequenceDiagram }, { htmlReport }, { writeBundle }] = await Promise.all([
    import("../report/itf.js"),
    import("../report/mermaid.js"),
    import("../report/html.js"),
    import("../report/bundle.js"),
  ]);
  const found = sections.flatMap((s) => s.verdicts.flatMap((v) => (v.verdict === "violated" ? [{ subject: s.subject, cx: v.counterexample }] : [])));
  const first = found[0];
  const named = first ? `${first.subject.target}@${first.subject.variant} ${first.cx.property}` : "";
  const more = found.length > 1 ? ` (the first of ${found.length} counterexamples; --report-dir writes them all)` : "";
  for (const [flag, path, render, what] of [
    ["--itf", req.itf, itfText, "ITF trace"],
    ["--mermaid", req.mermaid, sequenceDiagram, "Mermaid sequence diagram"],
  ] as const) {
    if (path === undefined) continue;
    if (!first) {
      req.say(`no counterexample found: no ${what} written\n`);
      continue;
    }
    put(flag, path, render(first.cx));
    req.say(`${what} of ${named} written to ${resolve(path)}${more}\n`);
  }
  if (req.html !== undefined) {
    const title = sections.length === 1 ? `kvm-ordercheck: ${sections[0]!.subject.target}@${sections[0]!.subject.variant}` : "kvm-ordercheck report";
    put("--html", req.html, htmlReport({ title, sections }));
    req.say(`HTML report (${found.length} counterexample${found.length === 1 ? "" : "s"}) written to ${resolve(req.html)}\n`);
  }
  if (req.reportDir !== undefined) {
    let entries;
    try {
      entries = writeBundle(req.reportDir, sections);
    } catch (e) {
      throw new UsageError(`cannot write --report-dir ${req.reportDir}: ${why(e)}`);
    }
    if (entries.length === 0) req.say(`no counterexample found: nothing written to ${resolve(req.reportDir)}\n`);
    else {
      req.say(
        `reports (index.html of every variant; per variant an index.html; per counterexample .mmd, .itf.json, .json, .c, .selftest.c) in ${resolve(req.reportDir)}:\n`,
      );
      for (const e of entries) req.say(`  ${e.name.padEnd(28)} ${e.counterexamples ? `${e.counterexamples} counterexample${e.counterexamples === 1 ? "" : "s"}` : "nothing found"}: ${e.html}\n`);
    }
  }
}
