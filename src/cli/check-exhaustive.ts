/** `kvm-ordercheck check --exhaustive` (`merge` is merge.ts). */
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
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

function report(subject: Subject, r: ExhaustiveResult, json: boolean): string {
  return json ? JSON.stringify(exhaustiveJson(subject, r), null, 2) : exhaustiveText(subject, r);
}

export async function runExhaustive(o: ExhaustiveRun, write: (s: string) => void): Promise<number> {
  const out: string[] = [];
  const found: Parameters<typeof writeRepro>[1][number][] = [];
  const sections: HtmlSection[] = [];
  let violated = false;
  for (const subject of o.subjects) {
    const bar = progressBar(!o.json, `${subject.target}@${subject.variant}`);
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
      },
      o.workers,
    );
    bar.stop();
    violated ||= Object.keys(r.findings).length > 0;
    out.push(report(subject, r, o.json));
    if (o.outputs) sections.push(sectionOfExhaustive(subject, r));
    if (o.repro) found.push(...findingsOf(subject, r).map((cx) => ({ cx, subject })));
  }
  write(o.json && out.length > 1 ? `[${out.join(",\n")}]\n` : `${out.join("\n\n")}\n`);
  if (o.repro) writeRepro(o.repro, found);
  if (o.outputs) writeOutputs(o.outputs, sections);
  return violated ? 1 : 0;
}
