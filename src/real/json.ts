/**
 * `real --json`: each mode's report as data, with what the text report says (device,
 * command to reproduce, verdict). Properties appear by name and statement; the seen
 * exit reasons as an object.
 */
import type { DifferentialReport, CallComparison } from "./differential.js";
import type { ExitReasonReport } from "./exit-reasons.js";
import type { RaceReport } from "./race.js";

interface Common {
  readonly device: string;
  readonly command?: string;
}

const verdict = (found: boolean) => (found ? "violated" : "holds");

export function differentialJson(rep: DifferentialReport, c: Common) {
  return { mode: "differential", ...c, verdict: verdict(rep.differences.length > 0), ...rep };
}

export function comparisonJson(target: string, variant: string, calls: readonly CallComparison[], c: Common) {
  return { mode: "program", ...c, target, variant, verdict: verdict(calls.some((x) => x.differs)), calls };
}

export function raceJson(rep: RaceReport, c: Common) {
  const bad = rep.programs.some((p) => p.notLinearizable > 0 || p.real.some((r) => !r.possible));
  return { mode: "race", ...c, verdict: verdict(bad), ...rep };
}

export function exitReasonJson(rep: ExitReasonReport, c: Common) {
  return {
    mode: "exit-reasons",
    ...c,
    verdict: verdict(rep.outcomes.some((o) => !o.holds)),
    runs: rep.runs,
    seed: rep.seed,
    executions: rep.executions,
    properties: rep.outcomes.map((o) => ({
      property: o.property.name,
      statement: o.property.statement,
      verdict: verdict(!o.holds),
      ...(o.message !== undefined ? { message: o.message } : {}),
      ...(o.program ? { program: o.program } : {}),
      ...(o.execution ? { execution: o.execution } : {}),
    })),
    model: rep.model,
    seen: Object.fromEntries(rep.seen),
  };
}
