/** `kvm-ordercheck check` in random mode (fast-check), with the text, matrix or JSON report. */
import type { CheckReport } from "../explore/random.js";
import { checkRandom } from "../explore/random.js";
import { checkReportJson, matrixJson } from "../report/json.js";
import { checkReportText, matrixText } from "../report/text.js";
import type { Subject } from "../targets/target.js";

export interface RandomRun {
  readonly subjects: readonly Subject[];
  readonly options: Readonly<Record<string, string>>;
  readonly runs: number;
  readonly seed: number;
  readonly threads: number;
  readonly calls: number;
  readonly properties?: readonly string[];
  readonly strategy: "random" | "pct";
  readonly depth: number;
  readonly json: boolean;
}

export function runRandom(o: RandomRun, write: (s: string) => void): number {
  const reports: CheckReport[] = o.subjects.map((subject) =>
    checkRandom(subject, {
      runs: o.runs,
      seed: o.seed,
      maxThreads: o.threads,
      maxCalls: o.calls,
      options: o.options,
      strategy: o.strategy === "pct" ? { kind: "pct", depth: o.depth } : { kind: "uniform" },
      ...(o.properties ? { properties: o.properties } : {}),
    }),
  );
  if (o.json) {
    write(`${JSON.stringify(reports.length === 1 ? checkReportJson(reports[0]!) : matrixJson(reports), null, 2)}\n`);
  } else if (reports.length === 1) {
    write(`${checkReportText(reports[0]!, o.subjects[0]!)}\n`);
  } else {
    // One matrix per target: targets do not share properties.
    for (const name of [...new Set(reports.map((r) => r.target))]) {
      const rows = reports.filter((r) => r.target === name);
      write(`${matrixText(rows)}\n`);
      for (const r of rows)
        for (const v of r.verdicts)
          if (v.verdict === "violated") write(`  ${r.target}@${r.variant} ${v.property}: kvm-ordercheck replay ${v.counterexample.replay}\n`);
      write("\n");
    }
    const ms = reports.reduce((n, r) => n + r.stats.ms, 0);
    const ex = reports.reduce((n, r) => n + r.stats.executions, 0);
    write(`${ex} executions in ${ms} ms (seed ${o.seed}); a cell's details: kvm-ordercheck check <target>@<variant> --seed ${o.seed}\n`);
  }
  return reports.some((r) => r.verdicts.some((v) => v.verdict === "violated")) ? 1 : 0;
}
