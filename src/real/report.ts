/** The real backend's reports as text: differences, exit-reason verdicts, race outcomes. */
import { pc } from "../report/style.js";
import type { Call, CallResult } from "../kernel/rt/trace.js";
import { formatReturn } from "../kernel/uapi/errno.js";
import { KVM_EXIT_MEMORY_FAULT, exitName } from "../kernel/uapi/exits.js";
import { describeCall, describeResult } from "../program/describe.js";
import type { CallComparison, DifferentialReport } from "./differential.js";
import type { ExitReasonReport } from "./exit-reasons.js";
import type { RaceReport } from "./race.js";
import type { RealResult } from "./session.js";

export const realResult = (call: Call, r: RealResult): string => `${describeResult(call, r)}${r.watchdog ? " (watchdog)" : ""}`;

/** A program's calls with the model's and the kernel's results, the first difference marked (in red when `colour`). */
export function comparisonRows(calls: readonly CallComparison[], first: number, colour = true): string[] {
  const w = Math.max(...calls.map((c) => describeCall(c.call).length));
  const out = [`  ${"call".padEnd(w)}  ${"model".padEnd(22)}  real kernel`];
  calls.forEach((c, k) => {
    const mark = k === first && colour ? pc.red("≠") : c.differs ? "≠" : " ";
    const model = c.model ? describeResult(c.call, c.model as CallResult) : "no return";
    out.push(`${mark} ${describeCall(c.call).padEnd(w)}  ${model.padEnd(22)}  ${realResult(c.call, c.real)}`);
  });
  return out;
}

/** One program in both worlds (`real <target> --program`). */
export function comparisonText(target: string, variant: string, calls: readonly CallComparison[], device: string): string {
  const first = calls.findIndex((c) => c.differs);
  return [
    `real ${target}@${variant} on ${device}: one program on the kernel and the model`,
    ...comparisonRows(calls, first),
    first < 0 ? pc.green("no difference") : pc.red(`the results differ at call ${first + 1}`),
  ].join("\n");
}

export function differentialText(rep: DifferentialReport, device: string, command: string): string {
  const out: string[] = [];
  const head = `real ${rep.target}@${rep.variant} on ${device}: ${rep.executions} programs run on the kernel and the model (seed ${rep.seed})`;
  out.push(head);
  if (rep.differences.length === 0) {
    out.push(pc.green(`no difference in any return value or errno`));
    return out.join("\n");
  }
  out.push(pc.red(`${rep.differences.length} difference${rep.differences.length > 1 ? "s" : ""} between the kernel and the model:`));
  rep.differences.forEach((d, n) => {
    out.push("", `difference ${n + 1} (shrunk to ${d.calls.length} call${d.calls.length > 1 ? "s" : ""}), at call ${d.first + 1}:`);
    out.push(...comparisonRows(d.calls, d.first));
  });
  out.push("", `reproduce: ${command}`);
  return out.join("\n");
}

export function exitReasonText(rep: ExitReasonReport, device: string, command: string): string {
  const out: string[] = [];
  out.push(`real x86-memfault on ${device}: ${rep.executions} KVM_RUN programs run on the kernel (seed ${rep.seed})`);
  for (const o of rep.outcomes) {
    const name = o.property.name.padEnd(22);
    if (o.holds) {
      out.push(`  ${pc.green("holds   ")} ${name} ${o.property.statement}`);
      continue;
    }
    out.push(`  ${pc.red("violated")} ${name} ${o.message ?? o.property.statement}`);
    const results = o.execution!.results;
    o.program!.forEach((c, k) => out.push(`             ${describeCall(c)} = ${realResult(c, results[k]!)}`));
  }
  const seen = [...rep.seen]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => {
      const [r, exit] = k.split(":").map(Number) as [number, number];
      return `${formatReturn(r)} ${exitName(exit)} ×${n}`;
    })
    .join(", ");
  out.push(`  KVM_RUN returns seen: ${seen}`);
  if (![...rep.seen.keys()].some((k) => Number(k.split(":")[1]) === KVM_EXIT_MEMORY_FAULT))
    out.push(`  KVM_EXIT_MEMORY_FAULT was never seen: the memory-fault properties hold without being exercised on this kernel`);
  out.push(`the x86-memfault model (x86-memfault@current, its own guests and guest_memfd fixture, one thread, default choices: no gmem error), same properties:`);
  for (const m of rep.model)
    out.push(`  ${m.holds ? "holds   " : "violated"} ${m.property.padEnd(22)} ${m.program ? m.program.map(describeCall).join("; ") : ""}`.trimEnd());
  out.push(`reproduce: ${command}`);
  return out.join("\n");
}

/** "0,-16 | -22" → "0, -1 EBUSY | -1 EINVAL" */
export const prettyOutcome = (key: string): string =>
  key
    .split(" | ")
    .map((t) => t.split(",").map((r) => (r === "—" ? r : formatReturn(Number(r)))).join(", "))
    .join(" | ");

export function raceText(rep: RaceReport, device: string): string {
  const o = rep.options;
  const out: string[] = [];
  out.push(
    `real ${rep.target}@${rep.variant} on ${device}, race mode: ${rep.programs.length} program${rep.programs.length === 1 ? "" : "s"} of ${o.threads} threads, ` +
      `each repeated ${o.repeat} times on real threads (seed ${o.seed})`,
  );
  rep.programs.forEach((p, n) => {
    out.push("", `program ${n + 1}:`);
    p.threads.forEach((calls, tid) => out.push(`  T${tid}: ${calls.map(describeCall).join("; ")}`));
    out.push(`  outcomes (returns per thread, T0 | T1 | ...), real count, and whether the model's ${p.modelExecutions} interleavings reach it:`);
    for (const r of p.real) out.push(`    ${String(r.count).padStart(6)} × ${prettyOutcome(r.key)}   ${r.possible ? "model: possible" : pc.red("model: IMPOSSIBLE")}`);
    for (const k of p.unseen) out.push(`         0 × ${prettyOutcome(k)}   model: possible, not hit`);
    out.push(
      p.notLinearizable === 0
        ? `  every history linearizable against the reference model`
        : pc.red(`  ${p.notLinearizable} histories not linearizable; first: ${p.firstViolation}`),
    );
  });
  return out.join("\n");
}
