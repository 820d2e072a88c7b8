/**
 * `linearizable`: the concurrent history (calls with their returns, in real time) is
 * explained by the reference model in some order that keeps a call that returned
 * before another began before it.
 */
import type { ReferenceModel } from "../model/reference.js";
import { linearization } from "../src/check/linearization.js";
import type { HistoryEntry } from "../src/kernel/rt/trace.js";
import { describeCall, describeResult } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

export function linearizable<S>(model: ReferenceModel<S>): Property {
  return {
    name: "linearizable",
    statement: "the calls' results are explained by the documented contract in some order consistent with real time",
    realTime: true,
    byHistory: true,
    check(ex) {
      // Searched once per history shape, shared with coverage.
      const r = linearization(model, ex).failure;
      if (!r) return HOLDS;
      const said = (e: HistoryEntry) => `T${e.tid}:${describeCall(e.call)} = ${describeResult(e.call, e.result!)}`;
      const prefix = r.prefix.length ? `after ${r.prefix.map(said).join(", ")}: ` : "";
      const why = r.rejections.map((x) => x.reason).join("; ");
      const events = [...r.prefix, ...r.rejections.map((x) => x.entry)].flatMap((e) => [e.invokedAt, e.returnedAt!]);
      // The broken clause: which ioctl no order explains, and why (numbers aside: the same
      // clause broken by two caps or sizes of one ring is one bug);
      // the prefix before it varies with the schedule.
      const clause = (reason: string) => reason.replace(/^.*? returned /, "returned ").replace(/0x[0-9a-f]+|\d+/gi, "#");
      const signature = [...new Set(r.rejections.map((x) => `${x.entry.call.ioctl}: ${clause(x.reason)}`))].sort().join(" · ");
      return { ...violated(`no order consistent with real time is accepted by the contract: ${prefix}${why}`, events), signature };
    },
  };
}
