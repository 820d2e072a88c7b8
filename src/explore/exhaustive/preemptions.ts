/**
 * The fewest preemptions a program needs to violate a property: its schedules are
 * searched with a preemption bound of 0, 1, ... (CHESS-style iterative bounding, no
 * reduction, so the first hit at bound b has exactly the fewest). Exhaustive mode runs
 * it on its shortest programs; random mode on the program fast-check shrank to, whose
 * schedule shrinking alone can leave extra preemptions in.
 */
import { preemptions } from "../../kernel/rt/execution.js";
import { trimDecisions } from "../../kernel/schedulers/decisions.js";
import type { Property } from "../../../properties/property.js";
import type { Subject, Threads } from "../../targets/target.js";
import { exploreProgram } from "./dpor.js";

export interface FewestPreemptions {
  readonly decisions: readonly number[];
  readonly preemptions: number;
}

class Budget extends Error {}

/**
 * A violating schedule of `threads` with fewer than `below` preemptions, the fewest
 * there are; null if there is none (or none within `budget` executions per bound).
 */
export function fewestPreemptions(
  subject: Subject,
  property: Property,
  threads: Threads,
  below: number,
  budget = Infinity,
): FewestPreemptions | null {
  for (let bound = 0; bound < below; bound++) {
    let hit: FewestPreemptions | null = null;
    let runs = 0;
    try {
      exploreProgram(
        (s) => subject.execute(threads, s),
        { reduction: "none", preemptionBound: bound },
        (ex, decisions) => {
          if (++runs > budget) throw new Budget();
          if (hit || property.check(ex).holds) return;
          hit = { decisions: trimDecisions(decisions), preemptions: preemptions(ex) };
        },
      );
    } catch (e) {
      if (!(e instanceof Budget)) throw e;
    }
    if (hit) return hit;
  }
  return null;
}
