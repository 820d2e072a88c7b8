/**
 * The report files a `check` or `replay` writes besides its stdout: `--itf <file>`,
 * `--mermaid <file>` (the first counterexample), `--html <file>` (one page for the
 * whole run), `--report-dir <dir>` (a bundle per target@variant, report/bundle.ts),
 * and the lines saying where they went.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import type { CheckReport } from "../explore/random.js";
import { coverageSummary } from "../check/coverage.js";
import { writeBundle } from "../report/bundle.js";
import { findingsOf, statsText } from "../report/exhaustive.js";
import type { HtmlSection, HtmlVerdict } from "../report/html.js";
import { htmlReport } from "../report/html.js";
import { itfText } from "../report/itf.js";
import { sequenceDiagram } from "../report/mermaid.js";
import { UsageError } from "../targets/errors.js";
import type { Subject } from "../targets/target.js";

export interface OutputOptions {
  itf?: string;
  mermaid?: string;
  html?: string;
  reportDir?: string;
}

export interface OutputRequest extends Readonly<OutputOptions> {
  /** Where to say what was written (stderr when stdout carries JSON). */
  readonly say: (s: string) => void;
}

/** A file's directory must exist before the run: a typo costs an error, not the run. */
function writable(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  if (!path.trim()) throw new UsageError(`${flag} needs a file name`);
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a directory`);
}

/** From the command's options; none when no output is asked for. */
export function outputRequest(o: OutputOptions, json: boolean, write: (s: string) => void): OutputRequest | undefined {
  if (o.itf === undefined && o.mermaid === undefined && o.html === undefined && o.reportDir === undefined) return undefined;
  writable("--itf", o.itf);
  writable("--mermaid", o.mermaid);
  writable("--html", o.html);
  if (o.reportDir !== undefined) {
    if (!o.reportDir.trim()) throw new UsageError("--report-dir needs a directory name");
    if (existsSync(o.reportDir) && !statSync(o.reportDir).isDirectory()) throw new UsageError(`--report-dir ${o.reportDir} is a file`);
  }
  return { ...o, say: json ? (s) => void process.stderr.write(s) : write };
}

/** A random run's report of one subject, as the report files take it. */
export function sectionOfRandom(subject: Subject, r: CheckReport): HtmlSection {
  const verdicts = r.verdicts.map((v): HtmlVerdict =>
    v.verdict === "violated"
      ? { property: v.property, verdict: "violated", counterexample: v.counterexample }
      : v.verdict === "n/a"
        ? { property: v.property, verdict: "n/a", note: v.why }
        : { property: v.property, verdict: "holds" },
  );
  return {
    subject,
    verdicts,
    ...(r.coverage ? { coverage: r.coverage } : {}),
    how: `random: ${r.stats.runs} runs, ${r.stats.executions} executions in ${r.stats.ms} ms (seed ${r.seed})`,
  };
}

/** An exhaustive run's result of one subject (its findings replayed), as the report files take it. */
export function sectionOfExhaustive(subject: Subject, r: ExhaustiveResult): HtmlSection {
  const cxs = findingsOf(subject, r);
  const verdicts = r.properties.map((p): HtmlVerdict => {
    const cx = cxs.find((c) => c.property === p);
    return cx ? { property: p, verdict: "violated", counterexample: cx } : { property: p, verdict: "holds" };
  });
  return {
    subject,
    verdicts,
    ...(r.coverage ? { coverage: coverageSummary(subject.model, r.coverage) } : {}),
    how: `exhaustive (<= ${r.bound.threads} threads x ${r.bound.calls} calls): ${statsText(r)}`,
  };
}

function put(flag: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${flag} ${path}: ${(e as Error).message}`);
  }
}

export function writeOutputs(req: OutputRequest, sections: readonly HtmlSection[]): void {
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
      throw new UsageError(`cannot write --report-dir ${req.reportDir}: ${(e as Error).message}`);
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
