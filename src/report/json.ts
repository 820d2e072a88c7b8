/** The --json shape: one object per target@variant (the contract), with every property's verdict. */
import type { Counterexample } from "../explore/counterexample.js";
import type { CheckReport } from "../explore/random.js";
import { coverageJson } from "./coverage.js";
import { jsonSafe } from "./values.js";

export function counterexampleJson(cx: Counterexample) {
  return {
    property: cx.property,
    message: cx.message,
    threads: jsonSafe(cx.threads),
    decisions: cx.decisions,
    size: cx.size,
    events: cx.events,
    steps: jsonSafe(cx.execution.events),
    outcome: cx.execution.outcome,
    replay: cx.replay,
    signature: cx.signature,
  };
}

export function checkReportJson(report: CheckReport) {
  const violated = report.verdicts.filter((v) => v.verdict === "violated");
  const first = violated[0];
  return {
    target: report.target,
    variant: report.variant,
    verdict: first ? "violated" : "holds",
    property: first ? first.property : null,
    counterexample: first && first.verdict === "violated" ? counterexampleJson(first.counterexample) : null,
    replay: first && first.verdict === "violated" ? first.counterexample.replay : null,
    seed: report.seed,
    stats: report.stats,
    coverage: report.coverage ? coverageJson(report.coverage) : null,
    lines: report.lines ?? null,
    properties: report.verdicts.map((v) =>
      v.verdict === "violated"
        ? {
            property: v.property,
            statement: v.statement,
            verdict: "violated",
            foundAfter: v.foundAfter,
            counterexample: counterexampleJson(v.counterexample),
            counterexamples: v.counterexamples.map(counterexampleJson),
            ...(v.exercised ? { exercised: v.exercised } : {}),
          }
        : v,
    ),
  };
}

/** Several variants: the matrix as data (cell: "holds", "n/a" or the counterexample size) and every report. */
export function matrixJson(reports: readonly CheckReport[]) {
  const props = [...new Set(reports.flatMap((r) => r.verdicts.map((v) => v.property)))];
  const matrix: Record<string, Record<string, unknown>> = {};
  for (const r of reports) {
    const row: Record<string, unknown> = {};
    for (const p of props) {
      const v = r.verdicts.find((x) => x.property === p);
      row[p] = !v ? "n/a" : v.verdict === "violated" ? { ...v.counterexample.size, counterexamples: v.counterexamples.length } : v.verdict;
    }
    matrix[`${r.target}@${r.variant}`] = row;
  }
  const violated = reports.some((r) => r.verdicts.some((v) => v.verdict === "violated"));
  return { verdict: violated ? "violated" : "holds", properties: props, matrix, reports: reports.map(checkReportJson) };
}
