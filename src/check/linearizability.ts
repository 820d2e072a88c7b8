/**
 * Linearizability of a concurrent history against a reference model: is there an order
 * of the completed calls, consistent with real time (a call that returned before
 * another was invoked stays before it), that the model accepts call by call?
 *
 * Wing & Gong's search with Lowe's memoisation: the state of the search is how far
 * each call has been linearized plus the model's state; a pair that failed once fails
 * again. A call the model takes in several steps (`phases`) has one linearization
 * point per step, in order, all within its interval. Calls that never returned
 * (deadlock, oops) are left out.
 *
 * There is no limit on the number of calls: a thread runs its calls one at a time, so
 * at most one call per thread is open at any point, and the real-time order leaves the
 * search at most (threads x phases) candidates per step; memoisation on (progress,
 * model state) keeps histories of hundreds of calls fast (test/trust-variant-lin).
 */
import type { ReferenceModel } from "../../model/reference.js";
import type { HistoryEntry } from "../kernel/rt/trace.js";

/**
 * `edges`: the machine transitions (ids in `machineGraph`) the model took along the
 * accepted order or, on failure, along the longest accepted prefix and then into each
 * rejection: what coverage counts.
 */
export type LinearizabilityResult<S> =
  | { readonly ok: true; readonly order: readonly HistoryEntry[]; readonly final: S; readonly edges: readonly string[] }
  | {
      readonly ok: false;
      readonly edges: readonly string[];
      /** The longest prefix some order got the model to accept. */
      readonly prefix: readonly HistoryEntry[];
      /** After that prefix, why each call that could have come next was rejected. */
      readonly rejections: readonly { readonly entry: HistoryEntry; readonly reason: string }[];
    };

export function checkLinearizable<S>(model: ReferenceModel<S>, history: readonly HistoryEntry[]): LinearizabilityResult<S> {
  const calls = history.filter((h) => h.returnedAt !== undefined && h.result !== undefined);
  const n = calls.length;
  const phases = calls.map((c) => model.phases(c.call));
  const failed = new Set<string>();
  const order: HistoryEntry[] = [];
  let best: { prefix: HistoryEntry[]; rejections: { entry: HistoryEntry; reason: string }[]; edges: string[] } = { prefix: [], rejections: [], edges: [] };
  // The transitions taken along the current branch of the search.
  const path: string[] = [];
  // progress[k]: how many of call k's steps are placed.
  const progress = new Array<number>(n).fill(0);

  const search = (placed: number, state: S): S | null => {
    if (placed === n) return state;
    const key = `${progress.join(",")}|${model.key(state)}`;
    if (failed.has(key)) return null;
    // The earliest return among the calls not fully placed bounds which can go next.
    let horizon = Infinity;
    for (let k = 0; k < n; k++) if (progress[k]! < phases[k]!) horizon = Math.min(horizon, calls[k]!.returnedAt!);
    const rejections: { entry: HistoryEntry; reason: string }[] = [];
    const rejected: string[] = [];
    for (let k = 0; k < n; k++) {
      const phase = progress[k]!;
      if (phase >= phases[k]!) continue;
      const c = calls[k]!;
      if (c.invokedAt > horizon) continue;
      const r = model.step(state, c.call, c.result!, phase, c.tid);
      if (!r.ok) {
        rejections.push({ entry: c, reason: r.reason });
        if (r.edge !== undefined) rejected.push(r.edge);
        continue;
      }
      progress[k] = phase + 1;
      const last = phase + 1 === phases[k];
      if (last) order.push(c);
      if (r.edge !== undefined) path.push(r.edge);
      const final = search(placed + (last ? 1 : 0), r.next);
      if (final !== null) return final;
      if (r.edge !== undefined) path.pop();
      if (last) order.pop();
      progress[k] = phase;
    }
    if (rejections.length > 0 && order.length >= best.prefix.length) best = { prefix: [...order], rejections, edges: [...path, ...rejected] };
    failed.add(key);
    return null;
  };

  const final = search(0, model.initial());
  if (final !== null) return { ok: true, order: [...order], final, edges: [...path] };
  return { ok: false, ...best };
}
