/**
 * The interleaving table: a column per thread, a row per event (ioctl entry and
 * return, lock operations, shared reads and writes, observations, faults). Rows the
 * violated property names are marked.
 */
import type { Event } from "../kernel/rt/trace.js";
import { describeCall, describeResult } from "../program/describe.js";
import type { Counterexample } from "../explore/counterexample.js";
import { showCell, showChoice, showValue } from "./values.js";

const WIDTH = 52;

function clip(s: string): string {
  return s.length <= WIDTH ? s.padEnd(WIDTH) : `${s.slice(0, WIDTH - 1)}…`;
}

export function describeEvent(e: Event, callOf: (tid: number, index: number) => Event | undefined): string {
  switch (e.kind) {
    case "invoke":
      return `▶ ${describeCall(e.ioctl)}`;
    case "return": {
      const inv = callOf(e.tid, e.call);
      return `◀ ${inv && inv.kind === "invoke" ? describeResult(inv.ioctl, e.result) : String(e.result.r)}`;
    }
    case "acquire":
      return `lock ${e.loc}`;
    case "release":
      return `unlock ${e.loc}`;
    case "read":
      return `${e.loc} → ${showCell(e.loc, e.value)}`;
    case "write":
      return `${e.loc} := ${showCell(e.loc, e.value)}`;
    case "choice":
      return `${e.point}() = ${showChoice(e.value)}`;
    case "observe":
      return `observe ${e.what} ${Object.entries(e.data).map(([k, v]) => `${k}=${showValue(v)}`).join(" ")}`;
    case "fault":
      return `!! ${e.fault}: ${e.message}`;
  }
}

export function interleavingTable(cx: Counterexample): string {
  const events = cx.execution.events;
  const nThreads = cx.threads.length;
  const invokes = new Map<string, Event>();
  for (const e of events) if (e.kind === "invoke") invokes.set(`${e.tid}:${e.call}`, e);
  const callOf = (tid: number, index: number) => invokes.get(`${tid}:${index}`);
  const marked = new Set(cx.events);
  const header = ["   #  ", ...Array.from({ length: nThreads }, (_, t) => clip(`T${t}`))].join("│ ");
  const rule = "─".repeat(header.length);
  const rows = events.map((e) => {
    const cells = Array.from({ length: nThreads }, (_, t) => clip(t === e.tid ? describeEvent(e, callOf) : ""));
    const mark = marked.has(e.i) ? "▸" : " ";
    return [`${mark}${String(e.i).padStart(4)} `, ...cells].join("│ ");
  });
  return [header, rule, ...rows].join("\n");
}
