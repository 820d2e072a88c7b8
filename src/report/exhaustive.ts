/** Exhaustive results: the proof statement, the shortest counterexamples, as text and JSON. */
import { pc } from "./style.js";
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import { counterexampleOf } from "../explore/counterexample.js";
import type { Counterexample } from "../explore/counterexample.js";
import { describeCall } from "../program/describe.js";
import type { Subject } from "../targets/target.js";
import { coverageSummary } from "../check/coverage.js";
import { exercisedNote, linesSummary } from "../check/lines.js";
import { coverageFields, coverageText } from "./coverage.js";
import { counterexampleJson } from "./json.js";
import type { SubjectResultJson } from "./schema.js";
import { counterexampleText, sizeText } from "./text.js";

/** What the proof covered of the variant's own code: "; not exercised: v9.c:41-47" (check/lines.ts). */
function exercisedText(subject: Subject, r: ExhaustiveResult): string {
  const note = exercisedNote(subject, r.coverage?.lines);
  return note ? `; ${note}` : "";
}

function boundText(r: ExhaustiveResult): string {
  const p = r.bound.preemptions !== null ? ` with at most ${r.bound.preemptions} preemptions` : "";
  return `all programs of <= ${r.bound.calls} calls per thread on <= ${r.bound.threads} threads over its ${r.alphabet.length}-call alphabet${p}`;
}

/** Whether `r` covers its whole bound: a single shard of several, or a merge with shards missing, does not. */
function coversBound(r: ExhaustiveResult): boolean {
  return r.shard.count === 1 && !r.missingShards;
}

function partText(r: ExhaustiveResult): string {
  const which = r.missingShards ? `shards missing: ${r.missingShards.join(", ")}` : `shard ${r.shard.index}/${r.shard.count}`;
  return `${which}, ${r.programs} of the bound's ${r.totalPrograms} programs; merge the --json of all ${r.shard.count} shards to cover ${boundText(r)}`;
}

export function statsText(r: ExhaustiveResult): string {
  const ratio = r.classes ? (r.executions / r.classes).toFixed(2) : "-";
  const stopped =
    r.stoppedAfter !== undefined ? `; stopped after the programs of ${r.stoppedAfter} calls: every property is violated by them, larger programs cannot change the answer` : "";
  const orders = r.realTimeOrders !== undefined ? `; ${r.realTimeOrders} more real-time orders of those classes judged` : "";
  return `${r.programs} programs, ${r.executions} executions (${r.classes} equivalence classes, ${r.pruned} pruned; ${ratio} executions per class${orders}) in ${r.ms} ms${stopped}`;
}

/** The shortest counterexample of each violated property, replayed into a full report. */
export function findingsOf(subject: Subject, r: ExhaustiveResult): Counterexample[] {
  return Object.entries(r.findings).map(([property, f]) => {
    const cx = counterexampleOf(subject, r.options, property, f.threads, f.decisions);
    if (!cx) throw new Error(`internal: exhaustive finding for ${property} does not replay`);
    return cx;
  });
}

/**
 * Every distinct counterexample of each violated property, replayed: the shortest first,
 * then the best of each other signature the run kept (`--counterexamples`), at most that many.
 */
export function allFindingsOf(subject: Subject, r: ExhaustiveResult): Map<string, Counterexample[]> {
  const out = new Map<string, Counterexample[]>();
  for (const first of findingsOf(subject, r)) {
    const list = [first];
    for (const f of r.distinct?.[first.property] ?? []) {
      if (list.length >= (r.counterexamples ?? 1)) break;
      if (list.some((c) => c.signature === f.signature)) continue;
      const cx = counterexampleOf(subject, r.options, first.property, f.threads, f.decisions);
      if (cx && !list.some((c) => c.signature === cx.signature)) list.push(cx);
    }
    out.set(first.property, list);
  }
  return out;
}

const distinctText = (n: number) => (n > 1 ? `; ${n} distinct counterexamples` : "");

/** `printed`: properties whose shortest counterexample was already printed while the run went on (not repeated). */
export function exhaustiveText(subject: Subject, r: ExhaustiveResult, printed: ReadonlySet<string> = new Set()): string {
  const out: string[] = [pc.bold(`${r.target}@${r.variant}`) + ` — ${subject.summary}`];
  out.push(`  exhaustive: ${boundText(r)}`);
  out.push(`  alphabet (${r.alphabet.length}): ${r.alphabet.map(describeCall).join("; ")}`);
  if (subject.fixture?.length) out.push(`  every program starts from: ${subject.fixture.map(describeCall).join("; ")}`);
  if (r.shard.count > 1) out.push(`  shard ${r.shard.index}/${r.shard.count} of ${r.totalPrograms} programs`);
  const all = allFindingsOf(subject, r);
  for (const p of r.properties) {
    const cxs = all.get(p);
    const above = printed.has(p) ? " (the shortest printed above)" : "";
    out.push(cxs ? `  ${pc.red("VIOLATED")} ${p}: shortest ${sizeText(cxs[0]!.size)}${distinctText(cxs.length)}${above}` : `  ${pc.green("holds   ")} ${p}`);
  }
  for (const [p, cxs] of all) for (const cx of printed.has(p) ? cxs.slice(1) : cxs) out.push("", counterexampleText(cx));
  const holding = r.properties.filter((p) => !r.findings[p]);
  out.push("");
  const verb = holding.length === 1 ? "holds" : "hold";
  if (holding.length && coversBound(r)) out.push(`${holding.join(", ")} ${verb} for ${boundText(r)}${exercisedText(subject, r)}: ${statsText(r)}`);
  else if (holding.length) out.push(`${holding.join(", ")} ${verb} on this part only (${partText(r)})${exercisedText(subject, r)}: ${statsText(r)}`);
  else out.push(statsText(r));
  if (r.coverage) out.push(coverageText(coverageSummary(subject.model, r.coverage)));
  return out.join("\n");
}

export function exhaustiveJson(subject: Subject, r: ExhaustiveResult): SubjectResultJson & { readonly proof: string[]; readonly result: ExhaustiveResult } {
  const all = allFindingsOf(subject, r);
  const cxs = [...all.values()].map((l) => l[0]!);
  const first = r.properties.map((p) => cxs.find((c) => c.property === p)).find(Boolean);
  return {
    target: r.target,
    variant: r.variant,
    // Nothing found on part of the bound is no verdict: "holds" only where the bound is covered.
    verdict: first ? ("violated" as const) : coversBound(r) ? ("holds" as const) : ("incomplete" as const),
    complete: coversBound(r),
    ...(r.missingShards ? { missingShards: r.missingShards } : {}),
    property: first?.property ?? null,
    counterexample: first ? counterexampleJson(first) : null,
    replay: first?.replay ?? null,
    mode: "exhaustive" as const,
    bound: r.bound,
    alphabet: r.alphabet,
    shard: r.shard,
    /** A statement per holding property, only when the run covers its whole bound. */
    proof: coversBound(r)
      ? r.properties.filter((p) => !r.findings[p]).map((p) => `${p} holds for ${boundText(r)}: ${r.totalPrograms} programs${exercisedText(subject, r)}`)
      : [],
    covers: coversBound(r) ? "bound" : partText(r),
    stats: {
      programs: r.programs,
      totalPrograms: r.totalPrograms,
      executions: r.executions,
      classes: r.classes,
      pruned: r.pruned,
      ...(r.realTimeOrders !== undefined ? { realTimeOrders: r.realTimeOrders } : {}),
      ms: r.ms,
    },
    properties: r.properties.map((p) => {
      const cx = cxs.find((c) => c.property === p);
      return cx
        ? { property: p, verdict: "violated" as const, counterexample: counterexampleJson(cx), counterexamples: all.get(p)!.map(counterexampleJson) }
        : { property: p, verdict: coversBound(r) ? ("holds" as const) : ("incomplete" as const) };
    }),
    ...(r.coverage ? coverageFields(coverageSummary(subject.model, r.coverage)) : { coverage: null }),
    /** The variant's declared lines against those the explored executions ran, and the note every statement carries. */
    lines: linesSummary(subject, r.coverage?.lines),
    exercised: exercisedNote(subject, r.coverage?.lines),
    /** What `merge` needs to combine shards. */
    result: r,
  };
}
