/**
 * A counterexample in the Informal Trace Format (ITF) that Apalache and Quint read:
 * https://apalache-mc.org/docs/adr/015adr-trace.html (ADR-015).
 *
 * One state per trace step: `states[0]` is the state before the first event (the
 * runtime's cells as `execute()` snapshots them into `Execution.initial`), `states[k]`
 * the state after event k-1. The events are replayed to derive each state. Variables:
 *
 * - `shared`:  record, every shared cell by its kernel name (`kvm->created_vcpus`, ...)
 * - `locks`:   map, every mutex the trace takes, to the set of threads holding it
 * - `threads`: list, per userspace thread: `calls_done`, `in_call` (the call in progress,
 *              "" when none), `done`
 * - `action`:  record, the event that led to this state: `index` (-1 for the initial
 *              state), `thread`, `kind`, `text` (as the interleaving table shows it),
 *              `violation` (the violated property names this event)
 *
 * Values: every integer as `{"#bigint": "..."}` (ADR-015 allows plain JSON numbers only
 * for small ones; Quint writes and reads the #bigint form throughout), sets as
 * `{"#set": [...]}`, maps as `{"#map": [[k, v], ...]}`, structs as records, arrays as
 * lists; a value ITF has no form for (null, a fraction) as `{"#unserializable": "..."}`.
 */
import type { Counterexample } from "../explore/counterexample.js";
import { decodeReplay } from "../explore/replay.js";
import type { Event } from "../kernel/rt/trace.js";
import { describeCall } from "../program/describe.js";
import { eventDescriber } from "./table.js";

export type ItfValue =
  | string
  | boolean
  | { readonly "#bigint": string }
  | { readonly "#set": readonly ItfValue[] }
  | { readonly "#map": readonly (readonly [ItfValue, ItfValue])[] }
  | { readonly "#tup": readonly ItfValue[] }
  | { readonly "#unserializable": string }
  | readonly ItfValue[]
  | { readonly [field: string]: ItfValue };

export interface ItfState {
  readonly "#meta": { readonly index: number };
  readonly [variable: string]: ItfValue | { readonly index: number };
}

export interface ItfTrace {
  readonly "#meta": Readonly<Record<string, unknown>>;
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
}

export const ITF_VARS = ["shared", "locks", "threads", "action"] as const;

const int = (n: number | bigint): ItfValue => ({ "#bigint": BigInt(n).toString() });

/** A traced value in ITF's encoding. */
export function itfValue(v: unknown): ItfValue {
  if (v === null || v === undefined) return { "#unserializable": String(v) };
  if (typeof v === "bigint") return int(v);
  if (typeof v === "number") return Number.isInteger(v) ? int(v) : { "#unserializable": String(v) };
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(itfValue);
  if (v instanceof Set) return { "#set": [...v].map(itfValue) };
  if (v instanceof Map) return { "#map": [...v].map(([k, x]) => [itfValue(k), itfValue(x)] as const) };
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return itfValue((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, itfValue(x)]));
  return { "#unserializable": String(v) };
}

interface ThreadPos {
  callsDone: number;
  inCall: string;
}

export function itfTrace(cx: Counterexample): ItfTrace {
  const spec = decodeReplay(cx.replay);
  const events = cx.execution.events;
  const describe = eventDescriber(events);
  const marked = new Set(cx.events);
  const shared = new Map<string, unknown>(Object.entries(cx.execution.initial));
  // Every mutex the trace mentions is in the map from the first state on, free.
  const locks = new Map<string, Set<number>>();
  for (const e of events) if (e.kind === "acquire" || e.kind === "release") locks.set(e.loc, new Set());
  const threads: ThreadPos[] = cx.threads.map(() => ({ callsDone: 0, inCall: "" }));

  const state = (index: number, action: ItfValue): ItfState => ({
    "#meta": { index },
    shared: Object.fromEntries([...shared].map(([k, v]) => [k, itfValue(v)])),
    locks: { "#map": [...locks].map(([name, holders]) => [name, { "#set": [...holders].sort().map(int) }] as const) },
    threads: threads.map((t, tid) => ({
      tid: int(tid),
      calls_done: int(t.callsDone),
      in_call: t.inCall,
      done: t.callsDone === cx.threads[tid]!.length,
    })),
    action,
  });

  const apply = (e: Event): void => {
    const t = threads[e.tid]!;
    switch (e.kind) {
      case "invoke":
        t.inCall = describeCall(e.ioctl);
        break;
      case "return":
        t.inCall = "";
        t.callsDone++;
        break;
      case "write":
        shared.set(e.loc, e.value);
        break;
      case "acquire":
        locks.get(e.loc)!.add(e.tid);
        break;
      case "release":
        locks.get(e.loc)!.delete(e.tid);
        break;
      default:
        break;
    }
  };

  const states: ItfState[] = [state(0, { index: int(-1), thread: int(-1), kind: "init", text: "", violation: false })];
  for (const e of events) {
    apply(e);
    states.push(state(e.i + 1, { index: int(e.i), thread: int(e.tid), kind: e.kind, text: describe(e), violation: marked.has(e.i) }));
  }
  return {
    "#meta": {
      format: "ITF",
      "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
      source: "kvm-ordercheck",
      description: `${spec.target}@${spec.variant}: ${cx.property} violated: ${cx.message}`,
      target: spec.target,
      variant: spec.variant,
      options: spec.options,
      property: cx.property,
      outcome: cx.execution.outcome,
      program: cx.threads.map((t) => t.map(describeCall)),
      decisions: cx.decisions,
      "violation-events": cx.events,
      replay: `kvm-ordercheck replay ${cx.replay}`,
    },
    vars: ITF_VARS,
    states,
  };
}

/** The file's text. */
export function itfText(cx: Counterexample): string {
  return `${JSON.stringify(itfTrace(cx), null, 1)}\n`;
}
