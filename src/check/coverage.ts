/**
 * Coverage of the reference machine: which of its transitions (and so which states) the
 * explored executions took, measured against the machine's graph (model/graph.ts, from
 * `xstate/graph`). The transitions come from the linearizability search, which already
 * steps the model through each execution's history (linearization.ts): a linearizable
 * execution contributes its accepted order; one that is not, its longest accepted prefix
 * and the transitions into the violation. Recording is a Set of transition ids, so the
 * data of workers and shards merge by union.
 *
 * That search is the `linearizable` property's: a run that does not check it (`--property`
 * without linearizable) does not pay for the search, and records no model coverage (the
 * reports say so: NOT_RECORDED). Covered lines are recorded either way.
 */
import { machineGraph } from "../../model/graph.js";
import type { ReferenceModel } from "../../model/reference.js";
import type { Execution } from "../kernel/rt/execution.js";
import type { CoveredLines } from "./lines.js";
import { addCovered, coveredJson, mergeCovered } from "./lines.js";
import { linearization } from "./linearization.js";

/** The property whose search gives the transitions. */
const SEARCHED_BY = "linearizable";

/** Why a run has no model coverage, as the reports say it. */
export const NOT_RECORDED = `not recorded (the reference machine's transitions are taken from the ${SEARCHED_BY} property's search, which this run does not make: ${SEARCHED_BY} is not among its properties)`;

/** What a run records: plain JSON, so workers and `--shard` outputs can carry it. */
export interface CoverageData {
  readonly machine: string;
  /** Ids (`MachineTransition.id`) of the transitions taken, sorted; absent when the run did not record them (NOT_RECORDED). */
  readonly transitions?: readonly string[];
  /** The variant source lines the executions ran (their `cover` ops), by file; absent when none. */
  readonly lines?: CoveredLines;
}

export class CoverageRecorder {
  private readonly seen = new Set<string>();
  private readonly lines = new Map<string, Set<number>>();
  private readonly machine: boolean;

  /** `properties`: the names of the properties the run checks; the transitions are recorded when they include linearizable. */
  constructor(
    private readonly model: ReferenceModel<unknown>,
    properties: readonly string[],
  ) {
    this.machine = properties.includes(SEARCHED_BY);
  }

  add(ex: Execution): void {
    if (this.machine) for (const e of linearization(this.model, ex, false).edges) this.seen.add(e);
    addCovered(this.lines, ex);
  }

  data(): CoverageData {
    const data = { machine: this.model.machine.id, ...(this.machine ? { transitions: [...this.seen].sort() } : {}) };
    return this.lines.size ? { ...data, lines: coveredJson(this.lines) } : data;
  }
}

/**
 * The union of several runs' coverage of one machine (workers, shards); undefined if none
 * recorded any. The transitions are recorded only if every part recorded them (the parts
 * of one run check the same properties).
 */
export function mergeCoverage(parts: readonly (CoverageData | undefined)[]): CoverageData | undefined {
  const present = parts.filter((p): p is CoverageData => p !== undefined);
  if (present.length === 0) return undefined;
  const recorded = present.every((p) => p.transitions !== undefined);
  const all = new Set(present.flatMap((p) => p.transitions ?? []));
  const lines = mergeCovered(present.map((p) => p.lines));
  return { machine: present[0]!.machine, ...(recorded ? { transitions: [...all].sort() } : {}), ...(lines ? { lines } : {}) };
}

export interface CoverageCount {
  readonly reached: number;
  readonly total: number;
  /** What the run did not exercise, in the machine's order. */
  readonly missing: readonly string[];
}

export interface CoverageSummary {
  readonly machine: string;
  readonly states: CoverageCount & { readonly covered: readonly string[] };
  readonly transitions: CoverageCount & { readonly covered: readonly string[] };
}

/**
 * Reached vs the machine's graph: states reached are the initial one and every target of a
 * transition taken. Undefined when the run recorded no transitions (NOT_RECORDED).
 */
export function coverageSummary(model: Pick<ReferenceModel<unknown>, "machine">, data: CoverageData | undefined): CoverageSummary | undefined {
  if (data?.transitions === undefined) return undefined;
  const g = machineGraph(model.machine);
  const taken = new Set(data.transitions);
  const transitions = g.transitions.filter((t) => taken.has(t.id));
  const states = new Set([g.initial, ...transitions.map((t) => t.target)]);
  const count = <T extends string>(all: readonly T[], covered: ReadonlySet<T>) => ({
    reached: all.filter((x) => covered.has(x)).length,
    total: all.length,
    covered: all.filter((x) => covered.has(x)),
    missing: all.filter((x) => !covered.has(x)),
  });
  return {
    machine: g.id,
    states: count(g.states, states),
    transitions: count(
      g.transitions.map((t) => t.id),
      new Set(transitions.map((t) => t.id)),
    ),
  };
}
