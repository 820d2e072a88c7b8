/**
 * When a counterexample is known to be the shortest while the run goes on: every part
 * of the run (one, or each worker) says how far it has explored by size and which of its
 * findings are settled; a property's best settled finding is the shortest once every
 * part has explored past its size. Tells each property once.
 */
import type { ExhaustiveFinding } from "./check.js";

/** Fewer calls, then fewer preemptions, then the earlier program. */
export const better = (a: ExhaustiveFinding, b: ExhaustiveFinding | undefined): boolean =>
  !b || (a.calls - b.calls || a.preemptions - b.preemptions || a.program - b.program) < 0;

export class ShortestTracker {
  private readonly upTo: number[];
  private readonly settled: Record<string, ExhaustiveFinding>[];
  private readonly told = new Set<string>();

  constructor(
    parts: number,
    private readonly onShortest: (property: string, finding: ExhaustiveFinding) => void,
  ) {
    this.upTo = new Array<number>(parts).fill(0);
    this.settled = Array.from({ length: parts }, () => ({}));
  }

  /** Part `part` has explored all its programs of up to `size` calls; `shortest` are its settled findings. */
  layer(part: number, size: number, shortest: Readonly<Record<string, ExhaustiveFinding>>): void {
    this.upTo[part] = size;
    this.settled[part] = { ...shortest };
    const everywhere = Math.min(...this.upTo);
    const best: Record<string, ExhaustiveFinding> = {};
    for (const s of this.settled) for (const [p, f] of Object.entries(s)) if (better(f, best[p])) best[p] = f;
    for (const [p, f] of Object.entries(best)) {
      if (this.told.has(p) || f.calls > everywhere) continue;
      this.told.add(p);
      this.onShortest(p, f);
    }
  }
}
