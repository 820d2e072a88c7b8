/**
 * `--format junit`: JUnit XML (the Jenkins/Ant dialect GitHub Actions' test reporters,
 * GitLab and Jenkins read), built with junit-report-builder. One <testsuite> per
 * target@variant, one <testcase> per property (classname target@variant): a violation is
 * a <failure> whose message is the violation and whose body has the counterexample and
 * its replay command; a property not checked under the options (n/a), or one that holds
 * on part of an exhaustive bound only, is <skipped/> with the reason in its output; a
 * subject an interrupted run did not finish is an <error>.
 */
import { createRequire } from "node:module";
import type { Builder } from "junit-report-builder";
import type { SubjectResultJson } from "./schema.js";
import type { Call } from "../kernel/rt/trace.js";
import { describeCall } from "../program/describe.js";
import { sizeText } from "./text.js";

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
  for (const r of input.results) {
    const name = `${r.target}@${r.variant}`;
    const suite = builder.testSuite().name(name);
    if (r.stats?.ms !== undefined) suite.time(r.stats.ms / 1000);
    suite.property("mode", r.mode);
    if (r.seed !== undefined) suite.property("seed", String(r.seed));
    const partial = typeof r.covers === "string" && r.covers !== "bound" ? r.covers : null;
    for (const p of r.properties) {
      const tc = suite.testCase().className(name).name(p.property);
      if (p.verdict === "violated") {
        const cx = p.counterexample;
        tc.failure(cx.message, p.property).stacktrace(
          [
            `counterexample: ${sizeText(cx.size)}; decisions [${cx.decisions.join(", ")}]`,
            ...cx.threads.map((t, i) => `T${i}: ${t.map((c) => describeCall(c as unknown as Call)).join("; ")}`),
            `replay: kvm-ordercheck replay ${cx.replay}`,
          ].join("\n"),
        );
      } else if (p.verdict === "n/a") tc.skipped().standardOutput(`not checked: ${p.why}`);
      else if (partial) tc.skipped().standardOutput(`holds on part of the bound only: ${partial}`);
      else {
        const proof = r.proof?.find((s) => s.startsWith(`${p.property} holds`));
        if (proof) tc.standardOutput(`proof: ${proof}`);
      }
    }
  }
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
