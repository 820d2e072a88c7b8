/** `kvm-ordercheck check --exhaustive` (`merge` is merge.ts): each subject's verdict as it finishes, in the run's format. */
import type { ExhaustiveFinding, ExhaustiveResult } from "../explore/exhaustive/check.js";
import { counterexampleOf } from "../explore/counterexample.js";
import { counterexampleText } from "../report/text.js";
import { checkExhaustiveParallel } from "../explore/exhaustive/workers.js";
import { exhaustiveJson, exhaustiveText, findingsOf } from "../report/exhaustive.js";
import type { Subject } from "../targets/target.js";
import { estimateLine } from "./estimate.js";
import { onInterrupt } from "./interrupt.js";
import { progressBar } from "./progress.js";
import type { HtmlSection } from "../report/html.js";
import type { OutputRequest } from "./outputs.js";
import { sectionOfExhaustive, writeOutputs } from "./outputs.js";
import type { ReproRequest } from "./repro.js";
import { writeRepro } from "./repro.js";
import type { Format } from "./run-output.js";
import { RunOutput } from "./run-output.js";

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
  readonly format: Format;
  readonly repro?: ReproRequest;
  readonly outputs?: OutputRequest;
}

/** What an exhaustive subject that a signal interrupted lacks. */
const NO_PROOF = "no proof was reached for its bound (an exhaustive run proves nothing until it has explored the whole bound)";

export async function runExhaustive(o: ExhaustiveRun, write: (s: string) => void): Promise<number> {
  // A variant file may be refused mid-run: then no verdict is printed (run-output.ts).
  const out = await RunOutput.open(
    "check",
    o.format,
    write,
    o.subjects.map((s) => `${s.target}@${s.variant}`),
    NO_PROOF,
    o.subjects.some((s) => s.source !== undefined),
  );
  const removeInterrupt = onInterrupt((signal) => out.interrupted(signal));
  const found: Parameters<typeof writeRepro>[1][number][] = [];
  const sections: HtmlSection[] = [];
  let violated = false;
  try {
    for (const [k, subject] of o.subjects.entries()) {
      const estimate = estimateLine(subject, o.threads, o.calls, o.dpor);
      if (estimate) process.stderr.write(`kvm-ordercheck: ${estimate}\n`);
      const bar = progressBar(`${subject.target}@${subject.variant}`, "programs");
      // A shortest counterexample is printed as soon as it is known (text, whole bound):
      // the rest of the bound may take much longer. A shard's is only its part's shortest.
      const printed = new Set<string>();
      const early = o.format === "text" && !o.shard;
      const onShortest = (property: string, f: ExhaustiveFinding) => {
        const cx = counterexampleOf(subject, o.options, property, f.threads, f.decisions);
        if (!cx) return;
        bar.stop();
        write(`${subject.target}@${subject.variant}: shortest counterexample of ${property}, found while the search goes on\n${counterexampleText(cx)}\n\n`);
        printed.add(property);
      };
      let r: ExhaustiveResult;
      try {
        r = await checkExhaustiveParallel(
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
      } finally {
        bar.stop();
      }
      violated ||= Object.keys(r.findings).length > 0;
      out.subject(exhaustiveJson(subject, r), `${k > 0 ? "\n" : ""}${exhaustiveText(subject, r, printed)}\n`);
      if (o.outputs) sections.push(sectionOfExhaustive(subject, r));
      if (o.repro) found.push(...findingsOf(subject, r).map((cx) => ({ cx, subject })));
    }
    out.end();
  } finally {
    removeInterrupt();
  }
  if (o.repro) await writeRepro(o.repro, found);
  if (o.outputs) await writeOutputs(o.outputs, sections);
  return violated ? 1 : 0;
}
