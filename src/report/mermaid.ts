/**
 * Mermaid pictures: a counterexample as a sequence diagram (threads as participants,
 * the kernel's shared state and each mutex as participants of their own; ioctls, lock
 * steps and shared accesses as messages; the violation as a note), and a reference
 * machine as a state diagram generated from the xstate machine object (model/graph.ts).
 */
import type { AnyStateMachine } from "xstate";
import { machineGraph } from "../../model/graph.js";
import type { Counterexample } from "../explore/counterexample.js";
import { decodeReplay } from "../explore/replay.js";
import { eventDescriber } from "./table.js";

/**
 * Message and note text: Mermaid ends a statement at `;` and reads `#...;` as an entity
 * code, so both are written as entities; line breaks become spaces.
 */
export function mermaidText(s: string): string {
  return s.replace(/[#;]/g, (c) => (c === "#" ? "#35;" : "#59;")).replace(/[\r\n]+/g, " ");
}

/** Wraps a long note at word boundaries with Mermaid's `<br/>`. */
function wrap(s: string, width = 70): string {
  const out: string[] = [];
  let line = "";
  for (const word of s.split(" ")) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map(mermaidText).join("<br/>");
}

export function sequenceDiagram(cx: Counterexample): string {
  const events = cx.execution.events;
  const describe = eventDescriber(events);
  const marked = new Set(cx.events);
  const lastMarked = Math.max(-1, ...cx.events);
  const mutexes = [...new Set(events.flatMap((e) => (e.kind === "acquire" || e.kind === "release" ? [e.loc] : [])))];
  const lockId = new Map(mutexes.map((m, k) => [m, `L${k}`]));
  const spec = decodeReplay(cx.replay);
  const out: string[] = [
    "sequenceDiagram",
    `  %% ${spec.target}@${spec.variant}: ${cx.property}; replay: kvm-ordercheck replay ${cx.replay}`.replace(/\n/g, " "),
  ];
  for (let t = 0; t < cx.threads.length; t++) out.push(`  participant T${t} as T${t} (userspace)`);
  out.push("  participant K as kernel state");
  for (const [m, id] of lockId) out.push(`  participant ${id} as ${mermaidText(m)}`);
  const open = new Set<number>();
  for (const e of events) {
    const T = `T${e.tid}`;
    const text = mermaidText(describe(e));
    const hot = marked.has(e.i);
    if (hot) out.push("  rect rgba(220, 40, 40, 0.18)");
    const ind = hot ? "    " : "  ";
    switch (e.kind) {
      case "invoke":
        out.push(`${ind}${T}->>K: ${e.i}: ${text.replace(/^▶ /, "")}`, `${ind}activate ${T}`);
        open.add(e.tid);
        break;
      case "return":
        out.push(`${ind}K-->>${T}: ${e.i}: ${text}`);
        if (open.delete(e.tid)) out.push(`${ind}deactivate ${T}`);
        break;
      case "acquire":
        out.push(`${ind}${T}->>${lockId.get(e.loc)}: ${e.i}: mutex_lock`);
        break;
      case "release":
        out.push(`${ind}${T}--)${lockId.get(e.loc)}: ${e.i}: mutex_unlock`);
        break;
      case "read":
        out.push(`${ind}${T}-)K: ${e.i}: ${text}`);
        break;
      case "write":
        out.push(`${ind}${T}->>K: ${e.i}: ${text}`);
        break;
      case "choice":
      case "observe":
      case "fault":
        out.push(`${ind}Note right of ${T}: ${e.i}: ${text}`);
        break;
    }
    if (hot) out.push("  end");
    if (e.i === lastMarked) out.push(`  Note over T0,K: violated ${mermaidText(cx.property)}: ${wrap(cx.message)}`);
  }
  if (lastMarked < 0) out.push(`  Note over T0,K: violated ${mermaidText(cx.property)}: ${wrap(cx.message)}`);
  return `${out.join("\n")}\n`;
}

/** A state id Mermaid accepts (letters, digits, underscores). */
const stateId = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, "_");

/** The machine as `stateDiagram-v2`: every state node, every transition with its guard, from the machine itself. */
export function stateDiagram(machine: AnyStateMachine): string {
  const g = machineGraph(machine);
  const out = ["stateDiagram-v2", `  %% ${g.id}: generated from the xstate machine (xstate/graph)`];
  for (const s of g.states) if (stateId(s) !== s) out.push(`  state "${s}" as ${stateId(s)}`);
  out.push(`  [*] --> ${stateId(g.initial)}`);
  for (const t of g.transitions) {
    const label = `${t.event} [${t.guard ?? "else"}]${t.targetless ? " (stays)" : ""}`;
    out.push(`  ${stateId(t.source)} --> ${stateId(t.target)} : ${mermaidText(label)}`);
  }
  for (const f of g.finals) out.push(`  ${stateId(f)} --> [*]`);
  return `${out.join("\n")}\n`;
}
