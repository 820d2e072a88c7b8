/** `kvm-ordercheck check --exhaustive` and `kvm-ordercheck merge`: each subject's verdict as it finishes, in the run's format. */
import { readFileSync } from "node:fs";
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import { MergeError, mergeResults } from "../explore/exhaustive/check.js";
import { checkExhaustiveParallel } from "../explore/exhaustive/workers.js";
import { exhaustiveJson, exhaustiveText, findingsOf } from "../report/exhaustive.js";
import { findTarget } from "../targets/registry.js";
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
  const out = new RunOutput("check", o.format, write, o.subjects.map((s) => `${s.target}@${s.variant}`), NO_PROOF);
  const removeInterrupt = onInterrupt((signal) => out.interrupted(signal));
  const found: Parameters<typeof writeRepro>[1][number][] = [];
  const sections: HtmlSection[] = [];
  let violated = false;
  try {
    for (const [k, subject] of o.subjects.entries()) {
      const estimate = estimateLine(subject, o.threads, o.calls, o.dpor);
      if (estimate) process.stderr.write(`kvm-ordercheck: ${estimate}\n`);
      const bar = progressBar(`${subject.target}@${subject.variant}`, "programs");
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
            onProgress: (done, total, executions) => bar.update(done, total, executions),
            ...(o.preemptions !== undefined ? { preemptions: o.preemptions } : {}),
            ...(o.shard ? { shard: o.shard } : {}),
            ...(o.properties ? { properties: o.properties } : {}),
          },
          o.workers,
        );
      } finally {
        bar.stop();
      }
      violated ||= Object.keys(r.findings).length > 0;
      out.subject(exhaustiveJson(subject, r), `${k > 0 ? "\n" : ""}${exhaustiveText(subject, r)}\n`);
      if (o.outputs) sections.push(sectionOfExhaustive(subject, r));
      if (o.repro) found.push(...findingsOf(subject, r).map((cx) => ({ cx, subject })));
    }
    out.end();
  } finally {
    removeInterrupt();
  }
  if (o.repro) writeRepro(o.repro, found);
  if (o.outputs) writeOutputs(o.outputs, sections);
  return violated ? 1 : 0;
}

/** The shard results in a --json output: one per subject it checked. */
function shardResults(f: string, parsed: unknown): ExhaustiveResult[] {
  const results = (parsed as { results?: unknown } | null)?.results;
  const parts = Array.isArray(results) ? results.map((r) => (r as { result?: ExhaustiveResult } | null)?.result) : [];
  if (parts.length === 0 || parts.some((r) => !r)) throw new MergeError(`${f} is not the --json output of check --exhaustive`);
  return parts as ExhaustiveResult[];
}

/** Reads the --json outputs of shards and prints the verdict of the whole run. */
export function runMerge(files: readonly string[], format: Format, write: (s: string) => void): number {
  const parts = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      throw new MergeError(`cannot read ${f}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MergeError(`${f} is not JSON (expected the --json output of check --exhaustive --shard)`);
    }
    return shardResults(f, parsed);
  });
  const merged = mergeResults(parts.flat());
  const subject = findTarget(merged.target).subject(merged.variant, merged.options);
  const out = new RunOutput("merge", format, write, [`${subject.target}@${subject.variant}`]);
  out.subject(exhaustiveJson(subject, merged), `${exhaustiveText(subject, merged)}\n`);
  if (merged.missingShards) {
    out.text(`incomplete: shards ${merged.missingShards.join(", ")} of ${merged.shard.count} are missing; the bound is not covered\n`);
  }
  out.end();
  return Object.keys(merged.findings).length > 0 ? 1 : 0;
}
