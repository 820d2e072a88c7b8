/**
 * `--format junit`: JUnit XML (the Jenkins/Ant dialect GitHub Actions' test reporters,
 * GitLab and Jenkins read), built with junit-report-builder. One <testsuite> per
 * target@variant, one <testcase> per property (classname target@variant): a violation is
 * a <failure> whose message is the violation and whose body has the counterexample and
 * its replay command; a property not checked under the options (n/a), or one that holds
 * on part of an exhaustive bound only, is <skipped/> with the reason in its output; a
 * subject an interrupted run did not finish is an <error>. `real` prints its report as one
 * suite the same way (its cases: src/real/tests.ts).
 */
import { createRequire } from "node:module";
import type { Builder } from "junit-report-builder";
import type { SubjectResultJson } from "./schema.js";
import type { TestGroup } from "./test-cases.js";
import { subjectTests } from "./test-cases.js";

export interface JunitInput {
  readonly results: readonly SubjectResultJson[];
  /** Subjects an interrupted run did not finish, and why. */
  readonly unfinished?: readonly string[];
  readonly interrupted?: string;
}

// The package is CommonJS whose module.exports is the builder; its types describe an ES default export.
/** junit-report-builder, loaded on first use: it is large, and most runs write no JUnit. */
let loaded: Builder | null = null;
const junitBuilder = (): Builder => (loaded ??= createRequire(import.meta.url)("junit-report-builder") as Builder);

export function junitXml(input: JunitInput): string {
  const builder = junitBuilder().newBuilder().name("kvm-ordercheck");
  addSuites(builder, input.results.map(subjectTests));
  for (const name of input.unfinished ?? []) {
    const suite = builder.testSuite().name(name);
    suite
      .testCase()
      .className(name)
      .name("(run)")
      .error(`interrupted${input.interrupted ? ` by ${input.interrupted}` : ""} before ${name} was finished: no verdict`, "interrupted");
  }
  return `${builder.build()}\n`;
}

/** Groups of tests (a real backend's reports) as one document: a suite per group. */
export function junitGroupsXml(groups: readonly TestGroup[]): string {
  const builder = junitBuilder().newBuilder().name("kvm-ordercheck");
  addSuites(builder, groups);
  return `${builder.build()}\n`;
}

function addSuites(builder: Builder, groups: readonly TestGroup[]): void {
  for (const g of groups) {
    const suite = builder.testSuite().name(g.name);
    if (g.seconds !== undefined) suite.time(g.seconds);
    for (const [k, v] of Object.entries(g.properties)) suite.property(k, v);
    for (const c of g.cases) {
      const tc = suite.testCase().className(g.name).name(c.name);
      if (c.verdict === "fail") tc.failure(c.message ?? "failed", c.name).stacktrace((c.details ?? []).join("\n"));
      else if (c.verdict === "skip") tc.skipped().standardOutput(c.message ?? "");
      else if (c.note) tc.standardOutput(c.note);
    }
  }
}
