/**
 * The linearizability verdict of an execution, with the machine transitions it took,
 * computed once per history shape and model: the `linearizable` property and the
 * coverage recorder (coverage.ts) both ask, and an execution is searched at most once.
 */
import type { ReferenceModel } from "../../model/reference.js";
import type { Execution } from "../kernel/rt/execution.js";
import type { Event } from "../kernel/rt/trace.js";
import { history } from "../kernel/rt/trace.js";
import type { LinearizabilityResult } from "./linearizability.js";
import { checkLinearizable } from "./linearizability.js";

export interface Linearization {
  readonly ok: boolean;
  /** The transitions the model took (see `LinearizabilityResult.edges`). */
  readonly edges: readonly string[];
  /** When not linearizable: the search's answer for this execution, for the property's explanation. */
  readonly failure?: Extract<LinearizabilityResult<unknown>, { ok: false }>;
}

/** Shapes remembered per model before the cache starts afresh. */
const CACHE_LIMIT = 100_000;

const byModel = new WeakMap<ReferenceModel<unknown>, Map<string, Linearization>>();
/**
 * The last execution asked about, with its answer: coverage and the property ask about
 * one execution one after the other. (A WeakMap keyed by every execution costs the
 * garbage collector more than the lookup saves: explorers make executions by the million.)
 */
let last: { ex: Execution; model: ReferenceModel<unknown>; lin: Linearization } | null = null;

/** A call's JSON, made once per call object: programs reuse their calls in every execution. */
const callJson = new WeakMap<object, string>();
function jsonOfCall(c: object): string {
  let j = callJson.get(c);
  if (j === undefined) callJson.set(c, (j = JSON.stringify(c)));
  return j;
}

/** What linearizability depends on: each call with its result, and the real-time order of invocations and returns. */
export function historyShape(ex: Execution): string {
  let key = "";
  for (const e of ex.events) key += shapeOf(e);
  return key;
}

/** An event's part of `historyShape` (empty for events other than invocations and returns). */
export function shapeOf(e: Event): string {
  if (e.kind === "invoke") return `i${e.tid}.${e.call}${jsonOfCall(e.ioctl)};`;
  if (e.kind === "return") return `r${e.tid}.${e.call}${JSON.stringify(e.result)};`;
  return "";
}

/** `explain`: a failing execution needs its own `failure` (the property's message); coverage does not. */
export function linearization<S>(model: ReferenceModel<S>, ex: Execution, explain = true): Linearization {
  const m = model as ReferenceModel<unknown>;
  if (last && last.ex === ex && last.model === m && (last.lin.ok || last.lin.failure || !explain)) return last.lin;
  let cache = byModel.get(m);
  if (!cache) byModel.set(m, (cache = new Map()));
  const shape = historyShape(ex);
  let lin = cache.get(shape);
  // A failure's explanation names trace positions, which differ between executions of
  // one shape: it is searched for each failing execution, and kept with that execution.
  if (!lin || (!lin.ok && explain)) {
    const r = checkLinearizable(model, history(ex.events));
    lin = r.ok ? { ok: true, edges: r.edges } : { ok: false, edges: r.edges, failure: r };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(shape, r.ok ? lin : { ok: false, edges: r.edges });
  }
  last = { ex, model: m, lin };
  return lin;
}
