/**
 * Which lines of a variant's code the explored executions ran. Executions record the
 * lines their `cover` ops name (the C front end emits one per statement); runs union
 * them (CoverageRecorder, so workers and shards merge them too); a verdict names the
 * declared lines (the variant's `lines`) no execution ran: "not exercised: v9.c:41-47".
 */
import { basename } from "node:path";
import type { Execution } from "../kernel/rt/execution.js";
import type { Subject } from "../targets/target.js";

/** Covered lines by file, as plain JSON (sorted). */
export type CoveredLines = Readonly<Record<string, readonly number[]>>;

/** Adds an execution's covered lines to `into`. */
export function addCovered(into: Map<string, Set<number>>, ex: Pick<Execution, "covered">): void {
  if (!ex.covered) return;
  for (const [file, lines] of ex.covered) {
    const set = into.get(file);
    if (set) for (const l of lines) set.add(l);
    else into.set(file, new Set(lines));
  }
}

export function coveredJson(m: ReadonlyMap<string, ReadonlySet<number>>): CoveredLines {
  const out: Record<string, number[]> = {};
  for (const [file, lines] of m) out[file] = [...lines].sort((a, b) => a - b);
  return out;
}

/** The union of several runs' covered lines (workers, shards). */
export function mergeCovered(parts: readonly (CoveredLines | undefined)[]): CoveredLines | undefined {
  const m = new Map<string, Set<number>>();
  for (const p of parts) for (const [file, lines] of Object.entries(p ?? {})) addCovered(m, { covered: new Map([[file, new Set(lines)]]) });
  return m.size ? coveredJson(m) : undefined;
}

/** An execution with the lines of another (a fixture run before it) added. */
export function withCoveredOf(ex: Execution, before: Pick<Execution, "covered">): Execution {
  if (!before.covered) return ex;
  const m = new Map<string, Set<number>>();
  addCovered(m, before);
  addCovered(m, ex);
  return { ...ex, covered: m };
}

/** `v9.c:41-47, 52`: the lines as ranges, after the file's base name. */
export function rangesText(file: string, lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${basename(file)}:${ranges.join(", ")}`;
}

export interface LinesSummary {
  readonly file: string;
  readonly declared: number;
  readonly ran: number;
  readonly missing: readonly number[];
}

/** The declared lines of `subject`'s variant against what ran; null when it declares none. */
export function linesSummary(subject: Pick<Subject, "lines">, covered: CoveredLines | undefined): LinesSummary | null {
  const decl = subject.lines;
  if (!decl) return null;
  const ran = new Set(covered?.[decl.file] ?? Object.entries(covered ?? {}).find(([f]) => basename(f) === basename(decl.file))?.[1] ?? []);
  const declared = [...new Set(decl.lines)];
  const missing = declared.filter((l) => !ran.has(l)).sort((a, b) => a - b);
  return { file: decl.file, declared: declared.length, ran: declared.length - missing.length, missing };
}

/**
 * What a verdict says about the variant's code: the lines no explored execution ran
 * ("not exercised: v9.c:41-47"), that every line ran, or, for a variant from a file
 * that declares no lines (TypeScript), that they are not tracked. Null for a shipped
 * variant without lines.
 */
export function exercisedNote(subject: Pick<Subject, "lines" | "source">, covered: CoveredLines | undefined): string | null {
  const s = linesSummary(subject, covered);
  if (s) return s.missing.length ? `not exercised: ${rangesText(s.file, s.missing)}` : `every line of ${basename(s.file)} ran (${s.declared})`;
  return subject.source ? "the variant's lines are not tracked (a TypeScript variant declares no `lines`)" : null;
}
