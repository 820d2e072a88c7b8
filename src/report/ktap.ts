/**
 * `--format ktap`: the kernel's test format (Documentation/dev-tools/ktap.rst, KTAP
 * version 1), as kselftest and KUnit print it and kernel CI (kunit.py parse, LAVA, KernelCI)
 * reads it. One test per target@variant, one subtest per property:
 *
 *   KTAP version 1
 *   1..2
 *     KTAP version 1
 *     1..3
 *     # proof: no-oops holds for all programs of <= 2 calls ...
 *     ok 1 no-oops
 *     # cap-ordering: T1 enabled ... (the violation)
 *     # replay: kvm-ordercheck replay kvmoc1....
 *     not ok 2 cap-ordering
 *     ok 3 linearizable # SKIP not checked under these options: ...
 *   not ok 1 riscv-hgatp@v7
 *
 * A property that holds only on part of an exhaustive bound (a shard) is a SKIP naming
 * the part, never an "ok": a skip claims nothing. Subjects are printed as they finish
 * (the plan line comes first, from the subjects asked for).
 */
import type { SubjectResultJson } from "./schema.js";
import { sizeText } from "./text.js";

const INDENT = "  ";

/** A description may not contain '#' (it starts the directive) nor a line break. */
const description = (s: string): string => s.replace(/#/g, "%23").replace(/[\r\n]+/g, " ").trim();

/** Diagnostic lines: one "# " line per line of text. */
const diagnostics = (text: string, indent: string): string[] =>
  text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => `${indent}# ${l}`);

export function ktapHeader(subjects: number): string {
  return `KTAP version 1\n1..${subjects}\n`;
}

/** The test of one subject: its properties as subtests, then its own result line. */
export function ktapSubject(number: number, r: SubjectResultJson): string {
  const sub = INDENT;
  const lines = ["KTAP version 1", `1..${r.properties.length}`].map((l) => sub + l);
  const partial = typeof r.covers === "string" && r.covers !== "bound" ? r.covers : null;
  r.properties.forEach((p, k) => {
    const n = k + 1;
    const name = description(p.property);
    if (p.verdict === "violated") {
      const cx = p.counterexample;
      lines.push(...diagnostics(`${p.property}: ${cx.message}`, sub));
      lines.push(`${sub}# counterexample: ${sizeText(cx.size)}`);
      lines.push(`${sub}# replay: kvm-ordercheck replay ${cx.replay}`);
      lines.push(`${sub}not ok ${n} ${name}`);
    } else if (p.verdict === "n/a") {
      lines.push(`${sub}ok ${n} ${name} # SKIP ${description(p.why)}`);
    } else if (partial) {
      lines.push(`${sub}ok ${n} ${name} # SKIP holds on part of the bound only (${description(partial)})`);
    } else {
      const proof = r.proof?.find((s) => s.startsWith(`${p.property} holds`));
      if (proof) lines.push(...diagnostics(`proof: ${proof}`, sub));
      lines.push(`${sub}ok ${n} ${name}`);
    }
  });
  const failed = r.properties.filter((p) => p.verdict === "violated").length;
  const how = [r.mode, r.seed !== undefined ? `seed ${r.seed}` : null, r.stats?.executions !== undefined ? `${r.stats.executions} executions` : null]
    .filter(Boolean)
    .join(", ");
  lines.push(`# ${r.target}@${r.variant}: ${failed ? `${failed} of ${r.properties.length} properties violated` : "nothing found"} (${how})`);
  lines.push(`${failed ? "not ok" : "ok"} ${number} ${description(`${r.target}@${r.variant}`)}`);
  return `${lines.join("\n")}\n`;
}

/** A planned subject the run did not finish (interrupted): an error, not a pass or a skip. */
export function ktapUnfinished(number: number, name: string, why: string): string {
  return `not ok ${number} ${description(name)} # ERROR ${description(why)}\n`;
}
