/**
 * A counterexample in the Informal Trace Format (ITF) that Apalache and Quint read:
 * https://apalache-mc.org/docs/adr/015adr-trace.html (ADR-015).
 *
 * One state per trace step: `states[0]` is the state before the first event, `states[k]`
 * the state after event k-1; the events are replayed to derive each state. Every
 * variable has the same type in every state (typed readers, Quint's among them, reject a
 * record that changes shape): every shared cell the trace touches is a field from the
 * first state on, and a cell the kernel makes during the run (`fd(vcpu0)` once the vCPU
 * is created) or one holding NULL is an option, `{"tag": "None", ...}` until it has a
 * value, `{"tag": "Some", "value": ...}` after (in Quint: `type Option[a] = Some(a) | None`). Field names are identifiers
 * (`kvm->created_vcpus` is `kvm_created_vcpus`; `#meta.shared-names` maps them back).
 *
 * - `shared`:  record, every shared cell the trace has
 * - `locks`:   map, every mutex the trace takes, to the set of threads holding it
 * - `threads`: list, per userspace thread: `tid`, `calls_done`, `in_call` (the call in
 *              progress, "" when none), `done`, and `results`: every call it finished,
 *              as values (`call`, `ret`: the kernel's return, `errno`: its name or "",
 *              `exit_reason`: KVM_RUN's exit reason by name, or "")
 * - `action`:  record, the event that led to this state: `index` (-1 for the initial
 *              state), `thread`, `kind`, `text` (as the interleaving table shows it),
 *              `violation` (the violated property names this event)
 *
 * Values: every integer as `{"#bigint": "..."}` (ADR-015 allows plain JSON numbers only
 * for small ones; Quint writes and reads the #bigint form throughout), sets as
 * `{"#set": [...]}`, maps as `{"#map": [[k, v], ...]}`, structs as records, arrays as
 * lists; a value ITF has no form for (a fraction) as `{"#unserializable": "..."}`.
 */
import type { Counterexample } from "../explore/counterexample.js";
import { decodeReplay } from "../explore/replay.js";
import type { Event } from "../kernel/rt/trace.js";
import { errnoName } from "../kernel/uapi/errno.js";
import { exitName } from "../kernel/uapi/exits.js";
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
  // Struct fields by identifier names too (typed readers take no other).
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [itfName(k), itfValue(x)]));
  return { "#unserializable": String(v) };
}

/** An identifier for a kernel name (`kvm->arch.pgd_levels` -> `kvm_arch_pgd_levels`), distinct from those in `taken`. */
export function itfName(name: string, taken: ReadonlySet<string> = new Set()): string {
  let id = name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "cell";
  if (/^[0-9]/.test(id)) id = `c_${id}`;
  let unique = id;
  for (let k = 2; taken.has(unique); k++) unique = `${id}_${k}`;
  return unique;
}

const NONE: ItfValue = { tag: "None", value: { "#tup": [] } };
const some = (v: ItfValue): ItfValue => ({ tag: "Some", value: v });

interface CallDone {
  readonly call: string;
  readonly ret: number;
  readonly errno: string;
  readonly exit_reason: string;
}

interface ThreadPos {
  callsDone: number;
  inCall: string;
  results: CallDone[];
}

export function itfTrace(cx: Counterexample): ItfTrace {
  const spec = decodeReplay(cx.replay);
  const events = cx.execution.events;
  const describe = eventDescriber(events);
  const marked = new Set(cx.events);
  // The last value seen of every cell: the initial snapshot, then each read and write.
  const shared = new Map<string, unknown>(Object.entries(cx.execution.initial));
  const cells = [...shared.keys()];
  for (const e of events) if ((e.kind === "read" || e.kind === "write") && !cells.includes(e.loc)) cells.push(e.loc);
  // A cell without a value somewhere in the trace (made later, or NULL) is an option throughout.
  const optional = new Set(cells.filter((c) => !shared.has(c) || shared.get(c) === null || shared.get(c) === undefined));
  for (const e of events) if ((e.kind === "read" || e.kind === "write") && (e.value === null || e.value === undefined)) optional.add(e.loc);
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of cells) {
    const id = itfName(c, taken);
    taken.add(id);
    names.set(c, id);
  }
  // Every mutex the trace mentions is in the map from the first state on, free.
  const locks = new Map<string, Set<number>>();
  for (const e of events) if (e.kind === "acquire" || e.kind === "release") locks.set(e.loc, new Set());
  const threads: ThreadPos[] = cx.threads.map(() => ({ callsDone: 0, inCall: "", results: [] }));

  const cellValue = (c: string): ItfValue => {
    const v = shared.get(c);
    const known = shared.has(c) && v !== null && v !== undefined;
    if (!optional.has(c)) return itfValue(v);
    return known ? some(itfValue(v)) : NONE;
  };

  const state = (index: number, action: ItfValue): ItfState => ({
    "#meta": { index },
    shared: Object.fromEntries(cells.map((c) => [names.get(c)!, cellValue(c)])),
    locks: { "#map": [...locks].map(([name, holders]) => [name, { "#set": [...holders].sort().map(int) }] as const) },
    threads: threads.map((t, tid) => ({
      tid: int(tid),
      calls_done: int(t.callsDone),
      in_call: t.inCall,
      done: t.callsDone === cx.threads[tid]!.length,
      results: t.results.map((r) => ({ call: r.call, ret: int(r.ret), errno: r.errno, exit_reason: r.exit_reason })),
    })),
    action,
  });

  const calls = new Map<string, string>();
  const apply = (e: Event): void => {
    const t = threads[e.tid]!;
    switch (e.kind) {
      case "invoke":
        t.inCall = describeCall(e.ioctl);
        calls.set(`${e.tid}:${e.call}`, e.ioctl.ioctl);
        break;
      case "return": {
        const call = calls.get(`${e.tid}:${e.call}`) ?? "";
        const reason = e.result.run?.exit_reason;
        t.results.push({
          call,
          ret: e.result.r,
          errno: e.result.r < 0 ? errnoName(-e.result.r) : "",
          exit_reason: call === "KVM_RUN" && typeof reason === "number" ? exitName(reason) : "",
        });
        t.inCall = "";
        t.callsDone++;
        break;
      }
      case "read":
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
      "shared-names": Object.fromEntries(cells.map((c) => [names.get(c)!, c])),
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
