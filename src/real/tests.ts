/**
 * `real --format ktap|junit`: each mode's report as a group of tests (report/test-cases.ts),
 * saying what the text report says:
 *
 *   x86-memfault (exit reasons)  a case per property on the real KVM_RUN programs
 *   differential                 one case, or a failing case per difference (shrunk program, both results)
 *   --program                    a case per call: the model's result and the kernel's
 *   race mode                    a case per program: its outcomes, each possible in the model, every history linearizable
 *
 * A failure's details end with the command that reproduces it.
 */
import { describeCall, describeResult } from "../program/describe.js";
import type { TestCase, TestGroup } from "../report/test-cases.js";
import { KVM_EXIT_MEMORY_FAULT } from "../kernel/uapi/exits.js";
import type { CallComparison, DifferentialReport } from "./differential.js";
import type { ExitReasonReport } from "./exit-reasons.js";
import type { RaceReport } from "./race.js";
import { comparisonRows, prettyOutcome, realResult } from "./report.js";

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

export function exitReasonTests(rep: ExitReasonReport, device: string, command: string): TestGroup {
  const cases = rep.outcomes.map((o): TestCase => {
    if (o.holds) return { name: o.property.name, verdict: "pass", note: o.property.statement };
    const results = o.execution!.results;
    return {
      name: o.property.name,
      verdict: "fail",
      message: o.message ?? o.property.statement,
      details: [...o.program!.map((c, k) => `${describeCall(c)} = ${realResult(c, results[k]!)}`), `reproduce: ${command}`],
    };
  });
  const memfaultSeen = [...rep.seen.keys()].some((k) => Number(k.split(":")[1]) === KVM_EXIT_MEMORY_FAULT);
  return {
    name: `x86-memfault on ${device}`,
    cases,
    summary: `real x86-memfault on ${device}: ${count(rep.executions, "KVM_RUN program")} (seed ${rep.seed})${memfaultSeen ? "" : "; KVM_EXIT_MEMORY_FAULT was never seen: the memory-fault properties hold without being exercised on this kernel"}`,
    properties: { mode: "exit-reasons", device, seed: String(rep.seed) },
  };
}

export function differentialTests(rep: DifferentialReport, device: string, command: string): TestGroup {
  const name = `${rep.target}@${rep.variant}`;
  const cases: TestCase[] = rep.differences.length
    ? rep.differences.map((d, n) => {
        const c = d.calls[d.first]!;
        return {
          name: `difference ${n + 1}: ${describeCall(c.call)}`,
          verdict: "fail",
          message: `the kernel and the model differ at call ${d.first + 1} of ${d.calls.length}: model ${c.model ? describeResult(c.call, c.model) : "no return"}, kernel ${realResult(c.call, c.real)}`,
          details: [...comparisonRows(d.calls, d.first, false), `reproduce: ${command}`],
        };
      })
    : [{ name: "the kernel and the model agree", verdict: "pass", note: `${count(rep.executions, "program")}: no difference in any return value or errno` }];
  return {
    name: `${name} on ${device}`,
    cases,
    summary: `real ${name} on ${device}: ${count(rep.executions, "program")} run on the kernel and the model (seed ${rep.seed}), ${count(rep.differences.length, "difference")}`,
    properties: { mode: "differential", device, seed: String(rep.seed) },
  };
}

export function comparisonTests(target: string, variant: string, calls: readonly CallComparison[], device: string, command: string): TestGroup {
  const cases = calls.map((c, k): TestCase => {
    const model = c.model ? describeResult(c.call, c.model) : "no return";
    const name = `call ${k + 1}: ${describeCall(c.call)}`;
    return c.differs
      ? { name, verdict: "fail", message: `model ${model}, kernel ${realResult(c.call, c.real)}`, details: [...comparisonRows(calls, k, false), `reproduce: ${command}`] }
      : { name, verdict: "pass", note: `model and kernel: ${model}` };
  });
  return {
    name: `${target}@${variant} on ${device}`,
    cases,
    summary: `real ${target}@${variant} on ${device}: one program on the kernel and the model, ${count(calls.filter((c) => c.differs).length, "call")} differing`,
    properties: { mode: "program", device },
  };
}

export function raceTests(rep: RaceReport, device: string, command: string): TestGroup {
  const o = rep.options;
  const cases = rep.programs.map((p, n): TestCase => {
    const program = p.threads.map((calls, tid) => `T${tid}: ${calls.map(describeCall).join("; ")}`);
    const outcomes = p.real.map((r) => `${r.count} x ${prettyOutcome(r.key)}: ${r.possible ? "possible in the model" : "IMPOSSIBLE in the model"}`);
    const impossible = p.real.filter((r) => !r.possible);
    const name = `program ${n + 1}: ${program.join(" | ")}`;
    if (p.notLinearizable === 0 && impossible.length === 0)
      return { name, verdict: "pass", note: `${outcomes.join("; ")}; every history linearizable against the reference model` };
    const message =
      p.notLinearizable > 0
        ? `${p.notLinearizable} of ${o.repeat} histories not linearizable; first: ${p.firstViolation}`
        : `${impossible.map((r) => prettyOutcome(r.key)).join(", ")}: not among the model's ${p.modelExecutions} interleavings`;
    return { name, verdict: "fail", message, details: [...program, ...outcomes, `reproduce: ${command}`] };
  });
  return {
    name: `${rep.target}@${rep.variant} race on ${device}`,
    cases,
    summary: `real ${rep.target}@${rep.variant} on ${device}, race mode: ${count(rep.programs.length, "program")} of ${o.threads} threads, each repeated ${o.repeat} times (seed ${o.seed})`,
    properties: { mode: "race", device, seed: String(o.seed) },
  };
}
