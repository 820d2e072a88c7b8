/** `kvm-ordercheck check` in random mode (fast-check), with the text, matrix or JSON report. */
import type { CheckReport } from "../explore/random.js";
import { checkRandom } from "../explore/random.js";
import { checkReportJson, matrixJson } from "../report/json.js";
import { coverageLine } from "../report/coverage.js";
import { checkReportText, matrixText } from "../report/text.js";
import type { Subject } from "../targets/target.js";
import type { OutputRequest } from "./outputs.js";
import { sectionOfRandom, writeOutputs } from "./outputs.js";
import type { ReproRequest } from "./repro.js";
import { reproHint, writeRepro } from "./repro.js";

export interface RandomRun {
  readonly subjects: readonly Subject[];
  readonly options: Readonly<Record<string, string>>;
  readonly runs: number;
  readonly seed: number;
  readonly threads: number;
  readonly calls: number;
  readonly counterexamples?: number;
  readonly properties?: readonly string[];
  readonly strategy: "random" | "pct";
  readonly depth: number;
  readonly json: boolean;
  readonly repro?: ReproRequest;
  readonly outputs?: OutputRequest;
}

export function runRandom(o: RandomRun, write: (s: string) => void): number {
  const reports: CheckReport[] = o.subjects.map((subject) =>
    checkRandom(subject, {
      runs: o.runs,
      seed: o.seed,
      maxThreads: o.threads,
      maxCalls: o.calls,
      options: o.options,
      ...(o.counterexamples !== undefined ? { counterexamples: o.counterexamples } : {}),
      strategy: o.strategy === "pct" ? { kind: "pct", depth: o.depth } : { kind: "uniform" },
      ...(o.properties ? { properties: o.properties } : {}),
    }),
  );
  if (o.json) {
    write(`${JSON.stringify(reports.length === 1 ? checkReportJson(reports[0]!) : matrixJson(reports), null, 2)}\n`);
  } else if (reports.length === 1) {
    write(`${checkReportText(reports[0]!, o.subjects[0]!)}\n`);
    const source = o.subjects[0]!.source;
    if (source && reports[0]!.verdicts.some((v) => v.verdict === "violated")) write(`(a variant from a file: replay with --variant-file ${source})\n`);
  } else {
    // One matrix per target: targets do not share properties.
    for (const name of [...new Set(reports.map((r) => r.target))]) {
      const rows = reports.filter((r) => r.target === name);
      write(`${matrixText(rows)}\n`);
      const coverage = coverageLine(rows);
      if (coverage) write(`${coverage}\n`);
      for (const r of rows) {
        // A variant from a file is replayed with that file.
        const source = o.subjects.find((s) => s.target === r.target && s.variant === r.variant)?.source;
        const file = source ? ` --variant-file ${source}` : "";
        for (const v of r.verdicts)
          if (v.verdict === "violated")
            for (const cx of v.counterexamples) write(`  ${r.target}@${r.variant} ${v.property}: kvm-ordercheck replay ${cx.replay}${file}\n`);
      }
      write("\n");
    }
    const ms = reports.reduce((n, r) => n + r.stats.ms, 0);
    const ex = reports.reduce((n, r) => n + r.stats.executions, 0);
    write(`${ex} executions in ${ms} ms (seed ${o.seed}); a cell's details: kvm-ordercheck check <target>@<variant> --seed ${o.seed}\n`);
    if (reports.some((r) => r.verdicts.some((v) => v.verdict === "violated"))) write(`${reproHint("<token>")}\n`);
  }
  if (o.repro)
    writeRepro(
      o.repro,
      reports.flatMap((r, k) => r.verdicts.flatMap((v) => (v.verdict === "violated" ? [{ cx: v.counterexample, subject: o.subjects[k]! }] : []))),
    );
  if (o.outputs) writeOutputs(o.outputs, reports.map((r, k) => sectionOfRandom(o.subjects[k]!, r)));
  return reports.some((r) => r.verdicts.some((v) => v.verdict === "violated")) ? 1 : 0;
}
