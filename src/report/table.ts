/**
 * The interleaving table: a column per thread, a row per event (ioctl entry and
 * return, lock operations, shared reads and writes, observations, faults). Rows the
 * violated property names are marked.
 */
import type { Event } from "../kernel/rt/trace.js";
import { describeCall, describeResult } from "../program/describe.js";
import type { Counterexample } from "../explore/counterexample.js";
import { display, forDisplay } from "./style.js";
import { showCell, showChoice, showValue } from "./values.js";

/** A thread's column off a terminal (a file, a pipe): wide enough for most steps. */
const WIDTH = 52;
/** On a terminal narrower than the threads need, no column gets narrower than this (the line wraps instead). */
const MIN_WIDTH = 16;
/** "▸1234 " before the first column, "│ " before each. */
const ROW_PREFIX = 6;
const SEPARATOR = 2;

/** A thread's column: on a terminal, the terminal's width shared by the threads (no wider than the widest step). */
export function columnWidth(threads: number, widest: number, columns = display().columns): number {
  if (columns === undefined) return WIDTH;
  const share = Math.floor((columns - ROW_PREFIX) / Math.max(threads, 1)) - SEPARATOR;
  return Math.max(MIN_WIDTH, Math.min(share, Math.max(widest, 4)));
}

const clip = (s: string, width: number): string => (s.length <= width ? s.padEnd(width) : `${s.slice(0, width - 1)}${forDisplay("…")}`.slice(0, width));

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

/** Describes any event of `events`, a return by its call (for which it needs the invocations). */
export function eventDescriber(events: readonly Event[]): (e: Event) => string {
  const invokes = new Map<string, Event>();
  for (const e of events) if (e.kind === "invoke") invokes.set(`${e.tid}:${e.call}`, e);
  const callOf = (tid: number, index: number) => invokes.get(`${tid}:${index}`);
  return (e) => describeEvent(e, callOf);
}

/** The table as data (the HTML report renders it): one row per event, in its thread's column. */
export interface InterleavingRow {
  readonly i: number;
  readonly tid: number;
  readonly kind: Event["kind"];
  readonly text: string;
  /** The violated property names this event. */
  readonly marked: boolean;
}

export function interleavingRows(cx: Counterexample): { readonly threads: number; readonly rows: readonly InterleavingRow[] } {
  const events = cx.execution.events;
  const describe = eventDescriber(events);
  const marked = new Set(cx.events);
  return {
    threads: cx.threads.length,
    rows: events.map((e) => ({ i: e.i, tid: e.tid, kind: e.kind, text: describe(e), marked: marked.has(e.i) })),
  };
}

export function interleavingTable(cx: Counterexample): string {
  const { threads: nThreads, rows } = interleavingRows(cx);
  // ASCII before clipping (an arrow becomes two characters), so that the columns line up.
  const texts = rows.map((r) => forDisplay(r.text));
  const width = columnWidth(nThreads, Math.max(0, ...texts.map((t) => t.length)));
  const clipped = (s: string) => clip(s, width);
  const header = ["   #  ", ...Array.from({ length: nThreads }, (_, t) => clipped(`T${t}`))].join("│ ");
  const rule = "─".repeat(header.length);
  const lines = rows.map((r, k) => {
    const cells = Array.from({ length: nThreads }, (_, t) => clipped(t === r.tid ? texts[k]! : ""));
    const mark = r.marked ? "▸" : " ";
    return [`${mark}${String(r.i).padStart(4)} `, ...cells].join("│ ");
  });
  return [header, rule, ...lines].join("\n");
}
