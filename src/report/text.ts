/** The text report: per property a verdict; for a violation why, its size, the interleaving and the replay. */
import { pc } from "./style.js";
import type { Counterexample, CounterexampleSize } from "../explore/counterexample.js";
import type { CheckReport } from "../explore/random.js";
import type { Subject } from "../targets/target.js";
import { describeCall } from "../program/describe.js";
import { coverageText } from "./coverage.js";
import { loreUrl } from "./lore.js";
import { interleavingTable } from "./table.js";
import { reproHint } from "./repro/hint.js";

export function sizeText(s: CounterexampleSize): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${plural(s.calls, "call")}, ${plural(s.threads, "thread")}, ${plural(s.preemptions, "preemption")}`;
}

export function counterexampleText(cx: Counterexample): string {
  const program = cx.threads.map((t, i) => `  T${i}: ${t.map(describeCall).join("; ")}`).join("\n");
  return [
    `${pc.red("violated")} ${pc.bold(cx.property)}: ${cx.message}`,
    `counterexample (${sizeText(cx.size)}), decisions [${cx.decisions.join(", ")}]:`,
    program,
    "",
    interleavingTable(cx),
    "",
    `replay: kvm-ordercheck replay ${cx.replay}`,
    reproHint(cx.replay),
  ].join("\n");
}

export function checkReportText(report: CheckReport, subject: Subject): string {
  const out: string[] = [];
  out.push(pc.bold(`${report.target}@${report.variant}`) + ` — ${subject.summary}`);
  out.push(`  ${subject.patch.title} (${subject.patch.date}, ${loreUrl(subject.patch.messageId)})`);
  if (subject.fixture?.length) out.push(`  every program starts from: ${subject.fixture.map(describeCall).join("; ")}`);
  for (const v of report.verdicts) {
    const note = v.verdict !== "n/a" && v.exercised ? `; ${v.exercised}` : "";
    if (v.verdict === "holds") out.push(`  ${pc.green("holds   ")} ${v.property}: ${v.statement}${note}`);
    else if (v.verdict === "n/a") out.push(`  ${pc.dim("n/a     ")} ${v.property}: ${v.why}`);
    else out.push(`  ${pc.red("VIOLATED")} ${v.property}: ${sizeText(v.counterexample.size)}${v.counterexamples.length > 1 ? `; ${v.counterexamples.length} distinct counterexamples` : ""}${note}`);
  }
  for (const v of report.verdicts) if (v.verdict === "violated") for (const cx of v.counterexamples) out.push("", counterexampleText(cx));
  const s = report.stats;
  out.push(
    "",
    `${s.runs} runs, ${s.executions} executions in ${s.ms} ms (seed ${report.seed}); reproduce the run with --seed ${report.seed}`,
  );
  if (s.pct)
    out.push(
      `PCT, depth ${s.pct.depth}: each run finds a bug of depth ${s.pct.depth} with probability >= 1/(n k^(d-1)) = ` +
        `${(s.pct.perRun * 100).toPrecision(3)}% (n = ${s.pct.threads} threads, k = ${s.pct.steps} steps)`,
    );
  out.push(coverageText(report.coverage));
  return out.join("\n");
}

/** A variant × property table, drawn row by row as variants finish: the widths come from what is asked, not what is done. */
export interface MatrixLayout {
  readonly properties: readonly string[];
  /** The first column's width: the longest target@variant asked for. */
  readonly first: number;
}

export function matrixLayout(names: readonly string[], properties: readonly string[]): MatrixLayout {
  return { properties, first: Math.max(...names.map((n) => n.length), 14) };
}

const cellWidth = (p: string) => Math.max(p.length, 9);

export function matrixHeader(l: MatrixLayout): string {
  return ["target@variant".padEnd(l.first), ...l.properties.map((p) => p.padEnd(cellWidth(p)))].join("  ");
}

/** "holds", "n/a", or the size of the smallest counterexample found. */
export function matrixRow(l: MatrixLayout, r: CheckReport): string {
  const cell = (p: string): string => {
    const v = r.verdicts.find((x) => x.property === p);
    if (!v) return "n/a";
    if (v.verdict === "holds" || v.verdict === "n/a") return v.verdict;
    const s = v.counterexample.size;
    const n = v.counterexamples.length;
    return `${s.calls}c/${s.threads}t/${s.preemptions}p${n > 1 ? ` ×${n}` : ""}`;
  };
  const paint = (c: string) => (c === "holds" ? pc.green : c === "n/a" ? pc.dim : pc.red);
  return [`${r.target}@${r.variant}`.padEnd(l.first), ...l.properties.map((p) => paint(cell(p))(cell(p).padEnd(cellWidth(p))))].join("  ");
}

export const MATRIX_LEGEND =
  "cells: holds, or the first counterexample found: calls/threads/preemptions, ×n: n distinct counterexamples kept (n/a: not checked under these options)";

export function matrixText(reports: readonly CheckReport[]): string {
  const props = [...new Set(reports.flatMap((r) => r.verdicts.map((v) => v.property)))];
  const l = matrixLayout(reports.map((r) => `${r.target}@${r.variant}`), props);
  return [matrixHeader(l), ...reports.map((r) => matrixRow(l, r)), MATRIX_LEGEND].join("\n");
}
