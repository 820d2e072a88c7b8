/**
 * The Mazurkiewicz trace of an execution as a string: two executions that differ only
 * in the order of independent steps get the same key. Used to count equivalence
 * classes by brute force, which is how the tests and the bench check the reduction.
 *
 * The key is each thread's own sequence of events (with the values its choices took)
 * and, for each location, the order of its conflicting accesses: writes in order, the
 * reads between two writes as a set.
 */
import type { Execution } from "../../kernel/rt/execution.js";

export function traceKey(ex: Execution): string {
  const perThread = new Map<number, string[]>();
  const perLoc = new Map<string, string[][]>();
  const seq = new Map<number, number>();
  for (const e of ex.events) {
    if (e.kind !== "read" && e.kind !== "write" && e.kind !== "acquire" && e.kind !== "release" && e.kind !== "choice") continue;
    const n = (seq.get(e.tid) ?? 0) + 1;
    seq.set(e.tid, n);
    const id = `${e.tid}.${n}`;
    const list = perThread.get(e.tid) ?? [];
    list.push(e.kind === "choice" ? `${e.point}=${String(e.value)}` : `${e.kind} ${e.loc}`);
    perThread.set(e.tid, list);
    if (e.kind === "choice") continue;
    const groups = perLoc.get(e.loc) ?? [];
    const write = e.kind !== "read";
    const last = groups[groups.length - 1];
    if (!write && last && last[0] === "R") last.push(id);
    else groups.push(write ? ["W", id] : ["R", id]);
    perLoc.set(e.loc, groups);
  }
  const locs = [...perLoc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([loc, gs]) => [loc, gs.map((g) => (g[0] === "R" ? ["R", ...g.slice(1).sort()] : g))]);
  const threads = [...perThread.entries()].sort(([a], [b]) => a - b);
  return JSON.stringify([threads, locs, ex.outcome]);
}
