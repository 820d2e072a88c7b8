/** `kvm-ordercheck check --exhaustive` (`merge` is merge.ts). */
import type { ExhaustiveFinding, ExhaustiveResult } from "../explore/exhaustive/check.js";
import { counterexampleOf } from "../explore/counterexample.js";
import { counterexampleText } from "../report/text.js";
import { checkExhaustiveParallel } from "../explore/exhaustive/workers.js";
import { exhaustiveJson, exhaustiveText, findingsOf } from "../report/exhaustive.js";
import type { Subject } from "../targets/target.js";
import { progressBar } from "./progress.js";
import type { HtmlSection } from "../report/html.js";
import type { OutputRequest } from "./outputs.js";
import { sectionOfExhaustive, writeOutputs } from "./outputs.js";
import type { ReproRequest } from "./repro.js";
import { writeRepro } from "./repro.js";

export interface ExhaustiveRun {
  readonly subjects: readonly Subject[];
  readonly options: Readonly<Record<string, string>>;
  readonly threads: number;
  readonly calls: number;
  readonly counterexamples?: number;
  readonly preemptions?: number;
  readonly dpor: boolean;
  readonly workers: number;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly properties?: readonly string[];
  readonly json: boolean;
  readonly repro?: ReproRequest;
  readonly outputs?: OutputRequest;
}

function report(subject: Subject, r: ExhaustiveResult, json: boolean, printed?: ReadonlySet<string>): string {
  return json ? JSON.stringify(exhaustiveJson(subject, r), null, 2) : exhaustiveText(subject, r, printed);
}

export async function runExhaustive(o: ExhaustiveRun, write: (s: string) => void): Promise<number> {
  const out: string[] = [];
  const found: Parameters<typeof writeRepro>[1][number][] = [];
  const sections: HtmlSection[] = [];
  let violated = false;
  for (const subject of o.subjects) {
    const bar = progressBar(!o.json, `${subject.target}@${subject.variant}`);
    // A shortest counterexample is printed as soon as it is known (text, whole bound):
    // the rest of the bound may take much longer. A shard's is only its part's shortest.
    const printed = new Set<string>();
    const early = !o.json && !o.shard;
    const onShortest = (property: string, f: ExhaustiveFinding) => {
      const cx = counterexampleOf(subject, o.options, property, f.threads, f.decisions);
      if (!cx) return;
      bar.stop();
      write(`${subject.target}@${subject.variant}: shortest counterexample of ${property}, found while the search goes on\n${counterexampleText(cx)}\n\n`);
      printed.add(property);
    };
    const r = await checkExhaustiveParallel(
      subject,
      o.options,
      {
        threads: o.threads,
        calls: o.calls,
        reduction: o.dpor ? "dpor" : "none",
        options: o.options,
        ...(o.counterexamples !== undefined ? { counterexamples: o.counterexamples } : {}),
        onProgress: (done, total, executions) => bar.update(done, total, executions),
        ...(o.preemptions !== undefined ? { preemptions: o.preemptions } : {}),
        ...(o.shard ? { shard: o.shard } : {}),
        ...(o.properties ? { properties: o.properties } : {}),
        ...(early ? { onShortest } : {}),
      },
      o.workers,
    );
    bar.stop();
    violated ||= Object.keys(r.findings).length > 0;
    // Text: each subject's report as soon as it is done; JSON: one document at the end.
    if (o.json) out.push(report(subject, r, o.json));
    else write(`${subject === o.subjects[0] ? "" : "\n"}${report(subject, r, o.json, printed)}\n`);
    if (o.outputs) sections.push(sectionOfExhaustive(subject, r));
    if (o.repro) found.push(...findingsOf(subject, r).map((cx) => ({ cx, subject })));
  }
  if (o.json) write(out.length > 1 ? `[${out.join(",\n")}]\n` : `${out.join("\n\n")}\n`);
  if (o.repro) writeRepro(o.repro, found);
  if (o.outputs) writeOutputs(o.outputs, sections);
  return violated ? 1 : 0;
}
