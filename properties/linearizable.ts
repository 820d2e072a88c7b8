/**
 * `linearizable`: the concurrent history (calls with their returns, in real time) is
 * explained by the reference model in some order that keeps a call that returned
 * before another began before it.
 */
import type { ReferenceModel } from "../model/reference.js";
import { checkLinearizable } from "../src/check/linearizability.js";
import { history } from "../src/kernel/rt/trace.js";
import { describeCall, describeResult } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

/** Histories already found linearizable, by shape; exhaustive runs repeat them endlessly. */
const CACHE_LIMIT = 100_000;

/** What linearizability depends on: each call with its result, and the real-time order of invocations and returns. */
function shapeOf(events: ReturnType<typeof history>, ex: Parameters<Property["check"]>[0]): string {
  let key = "";
  for (const e of ex.events) {
    if (e.kind === "invoke") key += `i${e.tid}.${e.call}${JSON.stringify(e.ioctl)};`;
    else if (e.kind === "return") key += `r${e.tid}.${e.call}${JSON.stringify(e.result)};`;
  }
  return events.length ? key : "";
}

export function linearizable<S>(model: ReferenceModel<S>): Property {
  const known = new Set<string>();
  return {
    name: "linearizable",
    statement: "the calls' results are explained by the documented contract in some order consistent with real time",
    check(ex) {
      const h = history(ex.events);
      const shape = shapeOf(h, ex);
      if (known.has(shape)) return HOLDS;
      const r = checkLinearizable(model, h);
      if (r.ok) {
        if (known.size >= CACHE_LIMIT) known.clear();
        known.add(shape);
        return HOLDS;
      }
      const said = (e: (typeof h)[number]) => `T${e.tid}:${describeCall(e.call)} = ${describeResult(e.call, e.result!)}`;
      const prefix = r.prefix.length ? `after ${r.prefix.map(said).join(", ")}: ` : "";
      const why = r.rejections.map((x) => x.reason).join("; ");
      const events = [...r.prefix, ...r.rejections.map((x) => x.entry)].flatMap((e) => [e.invokedAt, e.returnedAt!]);
      return violated(`no order consistent with real time is accepted by the contract: ${prefix}${why}`, events);
    },
  };
}
