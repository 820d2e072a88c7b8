/** Coverage of the reference machine as the reports show it: a short text section, and the JSON fields. */
import { pc } from "./style.js";
import type { CoverageSummary } from "../check/coverage.js";
import { NOT_RECORDED } from "../check/coverage.js";

const ratio = (c: { reached: number; total: number }) => `${c.reached}/${c.total}`;

/** One line per count, then what was not reached (what the run did not exercise); or why the run has none. */
export function coverageText(c: CoverageSummary | undefined): string {
  if (!c) return `model coverage: ${NOT_RECORDED}`;
  const out = [`model coverage (${c.machine}, against its xstate/graph): states ${ratio(c.states)}, transitions ${ratio(c.transitions)}`];
  if (c.states.missing.length) out.push(`  states not reached: ${c.states.missing.join(", ")}`);
  if (c.transitions.missing.length) out.push(`  transitions not taken: ${c.transitions.missing.join("; ")}`);
  return out.join("\n");
}

/** The matrix view: one line per target, a cell per variant (or why there is none). */
export function coverageLine(rows: readonly { readonly variant: string; readonly coverage?: CoverageSummary }[]): string {
  const cells = rows.filter((r) => r.coverage).map((r) => `@${r.variant} ${ratio(r.coverage!.states)} states, ${ratio(r.coverage!.transitions)} transitions`);
  const machine = rows.find((r) => r.coverage)?.coverage?.machine;
  return pc.dim(machine ? `model coverage (${machine}): ${cells.join("; ")}` : `model coverage: ${NOT_RECORDED}`);
}

/** The JSON fields: `coverage`, or null with `coverageNote` saying why. */
export function coverageFields(c: CoverageSummary | undefined) {
  return c ? { coverage: coverageJson(c) } : { coverage: null, coverageNote: `model coverage ${NOT_RECORDED}` };
}

function coverageJson(c: CoverageSummary) {
  return {
    machine: c.machine,
    states: { reached: c.states.reached, total: c.states.total, covered: [...c.states.covered], missing: [...c.states.missing] },
    transitions: { reached: c.transitions.reached, total: c.transitions.total, covered: [...c.transitions.covered], missing: [...c.transitions.missing] },
  };
}
