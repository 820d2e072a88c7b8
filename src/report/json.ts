/**
 * The --json output: one envelope for every command (schema.ts: `schemaVersion`, the
 * command, the overall verdict, whether it is complete) around one object per
 * target@variant with every property's verdict, or per report of the real backend.
 */
import type { Counterexample } from "../explore/counterexample.js";
import type { CheckReport } from "../explore/random.js";
import { VERSION } from "../version.js";
import { coverageFields } from "./coverage.js";
import type { CounterexampleJsonT, Output, RealResultJson, SubjectResultJson } from "./schema.js";
import { SCHEMA_VERSION } from "./schema-version.js";

/**
 * The envelope's schema (zod), to check each envelope before it is printed. Loaded by
 * the commands that print JSON before they start (RunOutput.open, real): a run that
 * prints text loads no zod.
 */
let envelope: (typeof import("./schema.js"))["OutputJson"] | null = null;
export async function loadOutputSchema(): Promise<void> {
  envelope ??= (await import("./schema.js")).OutputJson;
}
import { jsonSafe } from "./values.js";

export function counterexampleJson(cx: Counterexample): CounterexampleJsonT {
  return {
    property: cx.property,
    message: cx.message,
    threads: jsonSafe(cx.threads) as CounterexampleJsonT["threads"],
    decisions: [...cx.decisions],
    size: { ...cx.size },
    events: [...cx.events],
    steps: jsonSafe(cx.execution.events) as CounterexampleJsonT["steps"],
    outcome: cx.execution.outcome,
    replay: cx.replay,
    signature: cx.signature,
  };
}

export function checkReportJson(report: CheckReport): SubjectResultJson {
  const violated = report.verdicts.filter((v) => v.verdict === "violated");
  const first = violated[0];
  return {
    target: report.target,
    variant: report.variant,
    mode: report.stats.pct ? ("pct" as const) : ("random" as const),
    verdict: first ? ("violated" as const) : ("holds" as const),
    property: first ? first.property : null,
    counterexample: first && first.verdict === "violated" ? counterexampleJson(first.counterexample) : null,
    replay: first && first.verdict === "violated" ? first.counterexample.replay : null,
    seed: report.seed,
    stats: { ...report.stats },
    ...coverageFields(report.coverage),
    lines: report.lines ?? null,
    properties: report.verdicts.map((v) =>
      v.verdict === "violated"
        ? {
            property: v.property,
            statement: v.statement,
            verdict: "violated",
            foundAfter: v.foundAfter,
            counterexample: counterexampleJson(v.counterexample),
            counterexamples: v.counterexamples.map(counterexampleJson),
            ...(v.exercised ? { exercised: v.exercised } : {}),
          }
        : v,
    ),
  };
}

/** Several variants: the matrix as data (cell: "holds", "n/a" or the first counterexample's size and how many were kept). */
export function matrixJson(reports: readonly CheckReport[]): NonNullable<Output["matrix"]> {
  const props = [...new Set(reports.flatMap((r) => r.verdicts.map((v) => v.property)))];
  const matrix: NonNullable<Output["matrix"]> = {};
  for (const r of reports) {
    const row: NonNullable<Output["matrix"]>[string] = {};
    for (const p of props) {
      const v = r.verdicts.find((x) => x.property === p);
      row[p] = !v ? "n/a" : v.verdict === "violated" ? { ...v.counterexample.size, counterexamples: v.counterexamples.length } : v.verdict;
    }
    matrix[`${r.target}@${r.variant}`] = row;
  }
  return matrix;
}

export interface OutputExtras {
  readonly matrix?: Output["matrix"];
  readonly interrupted?: "SIGINT" | "SIGTERM";
  readonly unfinished?: readonly string[];
}

/** Whether a result covers what was asked: an exhaustive shard or an incomplete merge does not. */
const covers = (r: SubjectResultJson | RealResultJson): boolean => r.verdict !== "incomplete" && (typeof r.covers !== "string" || r.covers === "bound");

/** The envelope around a command's results, checked against the schema (a mismatch is a bug of the tool). */
export function outputJson(command: Output["command"], results: readonly (SubjectResultJson | RealResultJson)[], extras: OutputExtras = {}): Output {
  const complete = !extras.interrupted && results.every(covers);
  const violated = results.some((r) => r.verdict === "violated");
  const out = {
    schemaVersion: SCHEMA_VERSION,
    tool: "kvm-ordercheck",
    version: VERSION,
    command,
    verdict: violated ? "violated" : complete ? "holds" : "incomplete",
    complete,
    ...(extras.interrupted ? { interrupted: extras.interrupted, unfinished: [...(extras.unfinished ?? [])] } : {}),
    results: results.map((r) => jsonSafe(r)),
    ...(extras.matrix ? { matrix: extras.matrix } : {}),
  };
  if (!envelope) throw new Error("internal: the --json envelope's schema is not loaded (loadOutputSchema)");
  const checked = envelope.safeParse(out);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(`the --json output does not match its schema at ${issue.path.join(".")}: ${issue.message}`);
  }
  // As built (a parse would drop the fields the schema leaves open), now known to match.
  return out as Output;
}

/** The envelope as printed. */
export function outputJsonText(...args: Parameters<typeof outputJson>): string {
  return `${JSON.stringify(outputJson(...args), null, 2)}\n`;
}
