/**
 * The one shape of every command's `--json` output (check, replay, merge, real), as a
 * zod schema: the CLI checks what it prints against it (a mismatch is a bug of the tool,
 * exit 3), and the JSON Schema shipped in the package (schema/output.schema.json, written
 * by `npm run schema`) is generated from it with zod's `z.toJSONSchema`, so the two cannot
 * drift (test/formats-json.test.ts compares them and validates real outputs with ajv).
 *
 * `schemaVersion` changes when a field is removed or changes meaning; new fields may be
 * added within a version (objects are open: a reader must ignore what it does not know).
 */
import { z } from "zod";

import { SCHEMA_VERSION } from "./schema-version.js";

const count = z.int().nonnegative();

const Verdict = z.enum(["holds", "violated"]);

const Call = z.looseObject({ ioctl: z.string() }).describe("one ioctl call of a userspace thread, as the program and replay token carry it");

const Step = z
  .looseObject({
    i: count,
    tid: count,
    kind: z.enum(["invoke", "return", "read", "write", "acquire", "release", "choice", "observe", "fault"]),
  })
  .describe("one event of the execution (kernel/rt/trace.ts)");

export const CounterexampleJson = z
  .looseObject({
    property: z.string(),
    message: z.string(),
    threads: z.array(z.array(Call)),
    decisions: z.array(z.int()),
    size: z.object({ calls: count, threads: count, preemptions: count }),
    /** The events the violated property names (indices into steps). */
    events: z.array(count),
    steps: z.array(Step),
    outcome: z.string(),
    replay: z.string().describe("the replay token: kvm-ordercheck replay <token>"),
    signature: z.string().describe("what the violation is about: distinct counterexamples of a property have distinct signatures"),
  })
  .describe("a counterexample: the program, the decisions that schedule it, its execution and its replay token");

const PropertyVerdict = z.discriminatedUnion("verdict", [
  z.looseObject({ property: z.string(), statement: z.string().optional(), verdict: z.literal("holds") }),
  /** Exhaustive, on part of the bound only (a shard, a merge with shards missing): nothing found there, and no verdict. */
  z.looseObject({ property: z.string(), statement: z.string().optional(), verdict: z.literal("incomplete") }),
  z.looseObject({ property: z.string(), statement: z.string().optional(), verdict: z.literal("n/a"), why: z.string() }),
  z.looseObject({
    property: z.string(),
    statement: z.string().optional(),
    verdict: z.literal("violated"),
    /** Random mode: runs drawn before the first violating one. */
    foundAfter: count.optional(),
    /** The first (shrunk) counterexample, and every distinct one kept (--counterexamples). */
    counterexample: CounterexampleJson,
    counterexamples: z.array(CounterexampleJson).optional(),
  }),
]);

const CoverageCount = z.object({ reached: count, total: count, covered: z.array(z.string()), missing: z.array(z.string()) });

const Coverage = z.looseObject({ machine: z.string(), states: CoverageCount, transitions: CoverageCount });

/** One target@variant checked by the model (check, replay, merge). */
export const SubjectJson = z
  .looseObject({
    target: z.string(),
    variant: z.string(),
    mode: z.enum(["random", "pct", "exhaustive", "replay"]),
    /** incomplete: exhaustive on part of the bound, nothing found there. */
    verdict: z.enum(["holds", "violated", "incomplete"]),
    /** The first violated property, its counterexample and replay token (null when every property holds). */
    property: z.string().nullable(),
    counterexample: CounterexampleJson.nullable(),
    replay: z.string().nullable(),
    properties: z.array(PropertyVerdict),
    seed: z.int().optional(),
    stats: z.looseObject({ executions: count.optional(), ms: z.number().nonnegative().optional() }).optional(),
    /** The reference machine's states and transitions the run reached; null when it recorded none (coverageNote says why). */
    coverage: Coverage.nullable().optional(),
    coverageNote: z.string().optional().describe("why coverage is null: the run did not make the search it is recorded from"),
    /** Exhaustive: a statement per holding property, only when the run covers its whole bound. */
    proof: z.array(z.string()).optional(),
    /** Exhaustive: "bound", or which part of it this result covers. */
    covers: z.string().optional(),
  })
  .describe("the verdicts of one target@variant under the model");

/** One report of `real` (the host's /dev/kvm), by mode. */
export const RealJson = z
  .looseObject({
    mode: z.enum(["differential", "program", "race", "exit-reasons"]),
    device: z.string(),
    verdict: Verdict,
  })
  .describe("a report of the real backend (kvm-ordercheck real)");

export const OutputJson = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    tool: z.literal("kvm-ordercheck"),
    version: z.string(),
    command: z.enum(["check", "replay", "merge", "real"]),
    /** violated: some result found a violation; incomplete: none did, but the run did not cover everything it was asked to. */
    verdict: z.enum(["holds", "violated", "incomplete"]),
    /** Whether every result covers what was asked (false: an exhaustive shard, a merge with shards missing, an interrupted run). */
    complete: z.boolean(),
    /** The signal that ended the run before every subject was finished. */
    interrupted: z.enum(["SIGINT", "SIGTERM"]).optional(),
    /** Subjects the interrupted run did not finish (target@variant). */
    unfinished: z.array(z.string()).optional(),
    results: z.array(z.union([SubjectJson, RealJson])),
    /** Random mode with several subjects: target@variant -> property -> "holds", "n/a" or the first counterexample's size. */
    matrix: z
      .record(
        z.string(),
        z.record(
          z.string(),
          z.union([
            z.literal("holds"),
            z.literal("n/a"),
            z.object({ calls: count, threads: count, preemptions: count, counterexamples: count }).describe("the first counterexample's size, and how many distinct ones were kept"),
          ]),
        ),
      )
      .optional(),
  })
  .describe("kvm-ordercheck --json output");

export type Output = z.infer<typeof OutputJson>;
export type CounterexampleJsonT = z.infer<typeof CounterexampleJson>;
export type SubjectResultJson = z.infer<typeof SubjectJson>;
export type RealResultJson = z.infer<typeof RealJson>;

/** The JSON Schema of the output, as shipped in schema/output.schema.json. */
export function outputJsonSchema(): Record<string, unknown> {
  return { title: `kvm-ordercheck --json output, schemaVersion ${SCHEMA_VERSION}`, ...z.toJSONSchema(OutputJson, { target: "draft-2020-12", io: "output" }) };
}

/** The shipped file's text. */
export function outputJsonSchemaText(): string {
  return `${JSON.stringify(outputJsonSchema(), null, 2)}\n`;
}
