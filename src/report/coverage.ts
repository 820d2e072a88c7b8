/** Coverage of the reference machine as the reports show it: a short text section, and the JSON field. */
import { pc } from "./style.js";
import type { CoverageSummary } from "../check/coverage.js";

const ratio = (c: { reached: number; total: number }) => `${c.reached}/${c.total}`;

/** One line per count, then what was not reached (what the run did not exercise). */
export function coverageText(c: CoverageSummary): string {
  const out = [`model coverage (${c.machine}, against its xstate/graph): states ${ratio(c.states)}, transitions ${ratio(c.transitions)}`];
  if (c.states.missing.length) out.push(`  states not reached: ${c.states.missing.join(", ")}`);
  if (c.transitions.missing.length) out.push(`  transitions not taken: ${c.transitions.missing.join("; ")}`);
  return out.join("\n");
}

/** The matrix view: one line per target, a cell per variant. */
export function coverageLine(rows: readonly { readonly variant: string; readonly coverage?: CoverageSummary }[]): string | null {
  const cells = rows.filter((r) => r.coverage).map((r) => `@${r.variant} ${ratio(r.coverage!.states)} states, ${ratio(r.coverage!.transitions)} transitions`);
  const machine = rows.find((r) => r.coverage)?.coverage?.machine;
  return machine ? pc.dim(`model coverage (${machine}): ${cells.join("; ")}`) : null;
}

export function coverageJson(c: CoverageSummary) {
  return {
    machine: c.machine,
    states: { reached: c.states.reached, total: c.states.total, covered: [...c.states.covered], missing: [...c.states.missing] },
    transitions: { reached: c.transitions.reached, total: c.transitions.total, covered: [...c.transitions.covered], missing: [...c.transitions.missing] },
  };
}
