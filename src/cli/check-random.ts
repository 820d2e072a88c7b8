/** `kvm-ordercheck check` in random mode (fast-check): each subject's verdict as it finishes, in the run's format. */
import type { CheckReport } from "../explore/random.js";
import { checkRandomOf } from "../variant/sandboxed.js";
import { checkReportJson, matrixJson } from "../report/json.js";
import { coverageLine } from "../report/coverage.js";
import { MATRIX_LEGEND, checkReportText, matrixHeader, matrixLayout, matrixRow } from "../report/text.js";
import type { Subject } from "../targets/target.js";
import { onInterrupt } from "./interrupt.js";
import type { OutputRequest } from "./outputs.js";
import { sectionOfRandom, writeOutputs } from "./outputs.js";
import { progressBar } from "./progress.js";
import type { ReproRequest } from "./repro.js";
import { reproHint, writeRepro } from "./repro.js";
import type { Format } from "./run-output.js";
import { RunOutput } from "./run-output.js";

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
  readonly format: Format;
  readonly repro?: ReproRequest;
  readonly outputs?: OutputRequest;
}

const nameOf = (s: { readonly target: string; readonly variant: string }) => `${s.target}@${s.variant}`;

/** Lets a pending signal in between two subjects (a subject's check itself runs without a break). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runRandom(o: RandomRun, write: (s: string) => void): Promise<number> {
  // A variant file may be refused mid-run: then no verdict is printed (run-output.ts).
  const out = await RunOutput.open("check", o.format, write, o.subjects.map(nameOf), undefined, o.subjects.some((s) => s.source !== undefined));
  const removeInterrupt = onInterrupt((signal) => out.interrupted(signal));
  const reports: CheckReport[] = [];
  const single = o.subjects.length === 1;
  // Several subjects: one matrix per target (targets do not share properties), row by row.
  const targets = [...new Set(o.subjects.map((s) => s.target))];
  const layoutOf = new Map(
    targets.map((t) => {
      const mine = o.subjects.filter((s) => s.target === t);
      const props = [...new Set(mine.flatMap((s) => [...s.properties.map((p) => p.name), ...(s.unchecked ?? []).map((u) => u.property)]))].filter(
        (p) => !o.properties || o.properties.includes(p),
      );
      return [t, matrixLayout(o.subjects.map(nameOf), props)] as const;
    }),
  );
  try {
    for (const [k, subject] of o.subjects.entries()) {
      await turn();
      const bar = progressBar(nameOf(subject), "runs");
      let r: CheckReport;
      try {
        r = await checkRandomOf(subject, {
          runs: o.runs,
          seed: o.seed,
          maxThreads: o.threads,
          maxCalls: o.calls,
          options: o.options,
          ...(o.counterexamples !== undefined ? { counterexamples: o.counterexamples } : {}),
          strategy: o.strategy === "pct" ? { kind: "pct", depth: o.depth } : { kind: "uniform" },
          onProgress: (done, total, executions) => bar.update(done, total, executions),
          ...(o.properties ? { properties: o.properties } : {}),
        });
      } finally {
        bar.stop();
      }
      reports.push(r);
      out.subject(checkReportJson(r), single ? singleText(subject, r) : matrixText(o, r, k, layoutOf.get(subject.target)!, reports));
    }
    await turn();
    if (!single) out.text(summaryText(o, reports));
    out.end(single ? {} : { matrix: matrixJson(reports) });
  } finally {
    removeInterrupt();
  }
  if (o.repro)
    await writeRepro(
      o.repro,
      reports.flatMap((r, k) => r.verdicts.flatMap((v) => (v.verdict === "violated" ? [{ cx: v.counterexample, subject: o.subjects[k]! }] : []))),
    );
  if (o.outputs) await writeOutputs(o.outputs, reports.map((r, k) => sectionOfRandom(o.subjects[k]!, r)));
  return reports.some((r) => r.verdicts.some((v) => v.verdict === "violated")) ? 1 : 0;
}

function singleText(subject: Subject, r: CheckReport): string {
  const file = subject.source && r.verdicts.some((v) => v.verdict === "violated") ? `(a variant from a file: replay with --variant-file ${subject.source})\n` : "";
  return `${checkReportText(r, subject)}\n${file}`;
}

/** A finished subject's matrix row, after its target's header when it is the target's first, and the target's footer when it is its last. */
function matrixText(o: RandomRun, r: CheckReport, k: number, layout: ReturnType<typeof matrixLayout>, done: readonly CheckReport[]): string {
  const lines: string[] = [];
  const first = o.subjects.findIndex((s) => s.target === r.target);
  const last = o.subjects.length - 1 - [...o.subjects].reverse().findIndex((s) => s.target === r.target);
  if (k === first) lines.push(matrixHeader(layout));
  lines.push(matrixRow(layout, r));
  if (k === last) {
    lines.push(MATRIX_LEGEND);
    const rows = done.filter((x) => x.target === r.target);
    lines.push(coverageLine(rows));
    for (const row of rows) {
      // A variant from a file is replayed with that file.
      const source = o.subjects.find((s) => s.target === row.target && s.variant === row.variant)?.source;
      const file = source ? ` --variant-file ${source}` : "";
      for (const v of row.verdicts)
        if (v.verdict === "violated")
          for (const cx of v.counterexamples) lines.push(`  ${row.target}@${row.variant} ${v.property}: kvm-ordercheck replay ${cx.replay}${file}`);
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

function summaryText(o: RandomRun, reports: readonly CheckReport[]): string {
  const ms = reports.reduce((n, r) => n + r.stats.ms, 0);
  const ex = reports.reduce((n, r) => n + r.stats.executions, 0);
  const lines = [`${ex} executions in ${ms} ms (seed ${o.seed}); a cell's details: kvm-ordercheck check <target>@<variant> --seed ${o.seed}`];
  if (reports.some((r) => r.verdicts.some((v) => v.verdict === "violated"))) lines.push(reproHint("<token>"));
  return `${lines.join("\n")}\n`;
}
