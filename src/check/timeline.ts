/**
 * Replays a trace's writes to know the value of any shared cell at any event: what
 * "the state the call ran in" means for properties that judge by kernel state.
 */
import type { Execution } from "../kernel/rt/execution.js";

export class Timeline {
  private readonly values: Map<string, unknown>;
  private pos = 0;

  constructor(private readonly ex: Execution) {
    this.values = new Map(Object.entries(ex.initial));
  }

  /** Applies the writes of events [pos, i] (inclusive); positions only move forward. */
  advanceTo(i: number): void {
    for (; this.pos <= i && this.pos < this.ex.events.length; this.pos++) {
      const e = this.ex.events[this.pos]!;
      if (e.kind === "write") this.values.set(e.loc, e.value);
    }
  }

  get(loc: string): unknown {
    return this.values.get(loc);
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}

/** The cells "a vCPU or memslot exists" is read from (properties that judge by it say so: `Property.judges`). */
export const COMMITMENT_CELLS: ReadonlySet<string> = new Set(["kvm->created_vcpus", "kvm->memslots"]);

/** The generic "a vCPU or memslot exists" facts, from `kvm->created_vcpus` and `kvm->memslots`. */
export function vmCommitment(t: Timeline): { vcpus: number; memslots: number } {
  return {
    vcpus: Number(t.get("kvm->created_vcpus") ?? 0),
    memslots: ((t.get("kvm->memslots") as readonly unknown[] | undefined) ?? []).length,
  };
}

/**
 * "A vCPU or memslot exists", event by event: the value of `kvm->created_vcpus` and the
 * number of memslots at each event (after it), computed in one pass over the writes.
 */
export function commitmentByEvent(ex: Execution): { readonly vcpus: Int32Array; readonly memslots: Int32Array } {
  // Several properties ask about one execution, one after the other: computed once for it.
  if (lastCommitment?.ex !== ex) lastCommitment = { ex, state: computeCommitment(ex) };
  return lastCommitment.state;
}

/** The last execution asked about (not a WeakMap of all of them: see linearization.ts). */
let lastCommitment: { readonly ex: Execution; readonly state: { readonly vcpus: Int32Array; readonly memslots: Int32Array } } | null = null;

function computeCommitment(ex: Execution): { vcpus: Int32Array; memslots: Int32Array } {
  let vcpus = Number(ex.initial["kvm->created_vcpus"] ?? 0);
  let memslots = ((ex.initial["kvm->memslots"] as readonly unknown[] | undefined) ?? []).length;
  const n = ex.events.length;
  const out = { vcpus: new Int32Array(n), memslots: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const e = ex.events[i]!;
    if (e.kind === "write") {
      if (e.loc === "kvm->created_vcpus") vcpus = Number(e.value);
      else if (e.loc === "kvm->memslots") memslots = (e.value as readonly unknown[]).length;
    }
    out.vcpus[i] = vcpus;
    out.memslots[i] = memslots;
  }
  return out;
}
