/**
 * A run's verdicts as tests, whatever produced them (a checked target@variant, a report
 * of the real backend): the shape the KTAP and JUnit printers (ktap.ts, junit.ts) share,
 * so that both say the same thing about a run.
 */
import type { Call } from "../kernel/rt/trace.js";
import { describeCall } from "../program/describe.js";
import type { SubjectResultJson } from "./schema.js";
import { sizeText } from "./text.js";

export interface TestCase {
  readonly name: string;
  /** skip claims nothing: a property not checked, or checked on part of what was asked. */
  readonly verdict: "pass" | "fail" | "skip";
  /** fail: what went wrong (one line); skip: why. */
  readonly message?: string;
  /** fail: what reproduces it, line by line (the program, the replay command last). */
  readonly details?: readonly string[];
  /** pass: what was shown (a proof statement). */
  readonly note?: string;
}

export interface TestGroup {
  readonly name: string;
  readonly cases: readonly TestCase[];
  /** One line on the whole group: how it ran, what it found. */
  readonly summary: string;
  readonly seconds?: number;
  /** How it ran (mode, seed, device), as JUnit suite properties. */
  readonly properties: Readonly<Record<string, string>>;
}

/** A checked target@variant: one case per property. */
export function subjectTests(r: SubjectResultJson): TestGroup {
  const partial = typeof r.covers === "string" && r.covers !== "bound" ? r.covers : null;
  const cases = r.properties.map((p): TestCase => {
    if (p.verdict === "violated") {
      const cx = p.counterexample;
      return {
        name: p.property,
        verdict: "fail",
        message: cx.message,
        details: [
          `counterexample: ${sizeText(cx.size)}; decisions [${cx.decisions.join(", ")}]`,
          ...cx.threads.map((t, i) => `T${i}: ${t.map((c) => describeCall(c as unknown as Call)).join("; ")}`),
          `replay: kvm-ordercheck replay ${cx.replay}`,
        ],
      };
    }
    if (p.verdict === "n/a") return { name: p.property, verdict: "skip", message: `not checked: ${p.why}` };
    if (partial) return { name: p.property, verdict: "skip", message: `holds on part of the bound only (${partial})` };
    const proof = r.proof?.find((s) => s.startsWith(`${p.property} holds`));
    return { name: p.property, verdict: "pass", ...(proof ? { note: `proof: ${proof}` } : {}) };
  });
  const failed = cases.filter((c) => c.verdict === "fail").length;
  const how = [r.mode, r.seed !== undefined ? `seed ${r.seed}` : null, r.stats?.executions !== undefined ? `${r.stats.executions} executions` : null]
    .filter(Boolean)
    .join(", ");
  const name = `${r.target}@${r.variant}`;
  return {
    name,
    cases,
    summary: `${name}: ${failed ? `${failed} of ${cases.length} properties violated` : "nothing found"} (${how})`,
    ...(r.stats?.ms !== undefined ? { seconds: r.stats.ms / 1000 } : {}),
    properties: { mode: r.mode, ...(r.seed !== undefined ? { seed: String(r.seed) } : {}) },
  };
}
