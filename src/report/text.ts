/** The text report: per property a verdict; for a violation why, its size, the interleaving and the replay. */
import pc from "picocolors";
import type { Counterexample, CounterexampleSize } from "../explore/counterexample.js";
import type { CheckReport } from "../explore/random.js";
import type { Subject } from "../targets/target.js";
import { describeCall } from "../program/describe.js";
import { coverageText } from "./coverage.js";
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
  out.push(`  ${subject.patch.title} (${subject.patch.date}, <${subject.patch.messageId}>)`);
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
  if (report.coverage) out.push(coverageText(report.coverage));
  return out.join("\n");
}

/** A variant × property table: "holds", or the size of the smallest counterexample found. */
export function matrixText(reports: readonly CheckReport[]): string {
  const props = [...new Set(reports.flatMap((r) => r.verdicts.map((v) => v.property)))];
  const cell = (r: CheckReport, p: string): string => {
    const v = r.verdicts.find((x) => x.property === p);
    if (!v) return "n/a";
    if (v.verdict === "holds" || v.verdict === "n/a") return v.verdict;
    const s = v.counterexample.size;
    const n = v.counterexamples.length;
    return `${s.calls}c/${s.threads}t/${s.preemptions}p${n > 1 ? ` ×${n}` : ""}`;
  };
  const first = Math.max(...reports.map((r) => `${r.target}@${r.variant}`.length), 14);
  const widths = props.map((p) => Math.max(p.length, 9));
  const line = (a: string, cells: string[]) => [a.padEnd(first), ...cells.map((c, i) => c.padEnd(widths[i]!))].join("  ");
  const rows = reports.map((r) => {
    const cells = props.map((p) => cell(r, p));
    const paint = (c: string) => (c === "holds" ? pc.green : c === "n/a" ? pc.dim : pc.red);
    const colored = cells.map((c, i) => paint(c)(c.padEnd(widths[i]!)));
    return [`${r.target}@${r.variant}`.padEnd(first), ...colored].join("  ");
  });
  return [
    line("target@variant", props),
    ...rows,
    "cells: holds, or the first counterexample found: calls/threads/preemptions, ×n: n distinct counterexamples kept (n/a: not checked under these options)",
  ].join("\n");
}
