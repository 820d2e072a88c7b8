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
 * (the plan line comes first, from the subjects asked for). `real` prints its report as
 * one test the same way (its cases: src/real/tests.ts).
 */
import type { SubjectResultJson } from "./schema.js";
import type { TestGroup } from "./test-cases.js";
import { subjectTests } from "./test-cases.js";

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
  return ktapTest(number, subjectTests(r));
}

/** A group as one test: its cases as subtests (a failure's message and details as diagnostics before it), then its result line. */
export function ktapTest(number: number, group: TestGroup): string {
  const sub = INDENT;
  const lines = ["KTAP version 1", `1..${group.cases.length}`].map((l) => sub + l);
  group.cases.forEach((c, k) => {
    const head = `${sub}${c.verdict === "fail" ? "not ok" : "ok"} ${k + 1} ${description(c.name)}`;
    if (c.verdict === "fail") lines.push(...diagnostics([`${c.name}: ${c.message ?? "failed"}`, ...(c.details ?? [])].join("\n"), sub), head);
    else if (c.verdict === "skip") lines.push(`${head} # SKIP ${description(c.message ?? "")}`);
    else lines.push(...(c.note ? diagnostics(c.note, sub) : []), head);
  });
  const failed = group.cases.some((c) => c.verdict === "fail");
  lines.push(...diagnostics(group.summary, ""), `${failed ? "not ok" : "ok"} ${number} ${description(group.name)}`);
  return `${lines.join("\n")}\n`;
}

/** A planned subject the run did not finish (interrupted): an error, not a pass or a skip. */
export function ktapUnfinished(number: number, name: string, why: string): string {
  return `not ok ${number} ${description(name)} # ERROR ${description(why)}\n`;
}
