/**
 * A shard file as `merge` reads it: the `--json` output of `check --exhaustive --shard
 * i/n` (the envelope every command prints, one result per variant), untrusted like every
 * file a user hands over. The shape is checked with zod, every count against its bound;
 * then each result against the subject it names (shardProblem): its bound's alphabet
 * and program count as this tool computes them, and every finding replayed, so that
 * what merge prints afterwards is the tool's own.
 */
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import { MAX_PROGRAMS, MergeError, boundOf } from "../explore/exhaustive/check.js";
import { counterexampleOf } from "../explore/counterexample.js";
import { decisionsProblem } from "../explore/replay.js";
import { callSchema, decisionsSchema, issueText, nameSchema, optionsSchema, programSchema } from "../program/schema.js";
import type { Subject } from "../targets/target.js";

/** A shard file larger than this is not one the tool wrote (they are a few hundred kB at most). */
const MAX_FILE_BYTES = 64 << 20;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const finding = z.strictObject({
  program: z.number().int().min(0).max(MAX_PROGRAMS),
  threads: programSchema,
  decisions: decisionsSchema,
  calls: count,
  threadCount: count,
  preemptions: count,
});

/** One of several distinct counterexamples of a property (explore/distinct.ts): a finding and what its violation names. */
const distinctFinding = finding.extend({ signature: z.string().max(10_000) });

const result = z
  .strictObject({
    target: nameSchema("target"),
    variant: nameSchema("variant"),
    options: optionsSchema,
    bound: z.strictObject({
      threads: z.number().int().min(1).max(8),
      calls: z.number().int().min(1).max(16),
      preemptions: z.number().int().min(0).max(100).nullable(),
      reduction: z.enum(["dpor", "none"]),
    }),
    alphabet: z.array(callSchema).max(4096),
    shard: z
      .strictObject({ index: z.number().int().min(0), count: z.number().int().min(1).max(MAX_PROGRAMS) })
      .refine((s) => s.index < s.count, { error: "expected index < count" }),
    totalPrograms: z.number().int().min(0).max(MAX_PROGRAMS),
    programs: z.number().int().min(0).max(MAX_PROGRAMS),
    executions: count,
    classes: count,
    pruned: count,
    realTimeOrders: count.optional(),
    properties: z.array(nameSchema("property")).max(64),
    findings: z.record(nameSchema("property"), finding),
    ms: z.number().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The shard stopped at the shortest: every property violated by a program of at most this size. */
    stoppedAfter: z.number().int().min(1).max(8 * 16).optional(),
    missingShards: z.never({ error: "this is the output of merge, not of one shard: merge the shards' own files" }).optional(),
    coverage: z
      .strictObject({
        machine: z.string().max(200),
        // Absent when the run did not check linearizable, whose search gives them (check/coverage.ts).
        transitions: z.array(z.string().max(200)).max(100_000).optional(),
        // Covered lines of a variant's source, by file (check/lines.ts).
        lines: z.record(z.string().max(4096), z.array(z.number().int().min(1).max(10_000_000)).max(1_000_000)).optional(),
      })
      .optional(),
    counterexamples: z.number().int().min(1).max(100).optional(),
    distinct: z.record(nameSchema("property"), z.array(distinctFinding).max(100)).optional(),
  })
  .refine((r) => r.programs <= r.totalPrograms, { error: "programs: more than the bound's totalPrograms" });

/** What merge needs of a `--json` output (the envelope, report/schema.ts: one result per variant); the rest of the report is not read. */
const shardOutput = z.object({ result }, { error: "expected the --json output of check --exhaustive" });
const shardFile = z.object({ results: z.array(shardOutput).min(1).max(1024) }, { error: "expected the --json output of check --exhaustive" });

/** Reads and validates one shard file: its results, or a MergeError naming the file and the field. */
export function readShardFile(file: string): ExhaustiveResult[] {
  let text: string;
  try {
    // Only a regular file: a FIFO or /dev/zero would block or never end.
    const st = statSync(file);
    if (!st.isFile()) throw new MergeError(`${file} is not a regular file`);
    if (st.size > MAX_FILE_BYTES) throw new MergeError(`${file} is larger than ${MAX_FILE_BYTES >> 20} MiB: not a shard's --json output`);
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof MergeError) throw e;
    throw new MergeError(`cannot read ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MergeError(`${file} is not JSON (expected the --json output of check --exhaustive --shard)`);
  }
  const r = shardFile.safeParse(parsed);
  if (!r.success) throw new MergeError(`${file} is not the --json output of check --exhaustive: ${issueText("", r.error)}`);
  return r.data.results.map((o) => o.result as unknown as ExhaustiveResult);
}

/**
 * Null if `r` is what this tool computes for its subject and bound (alphabet, program
 * count, properties) and each finding replays to a violation of its property; else why not.
 */
export function shardProblem(subject: Subject, r: ExhaustiveResult): string | null {
  let bound;
  try {
    bound = boundOf(subject, r.bound);
  } catch (e) {
    return (e as Error).message;
  }
  if (JSON.stringify(r.alphabet) !== JSON.stringify(bound.alphabet)) return `its alphabet is not ${r.target}@${r.variant}'s`;
  if (r.totalPrograms !== bound.total) return `totalPrograms is ${r.totalPrograms}, the bound has ${bound.total}`;
  for (const p of r.properties) if (!subject.properties.some((x) => x.name === p)) return `${r.target}@${r.variant} has no property '${p}'`;
  if (r.coverage && r.coverage.machine !== subject.model.machine.id) return `its coverage is of machine '${r.coverage.machine}', not ${subject.model.machine.id}`;
  const known = new Set(bound.alphabet.map((c) => JSON.stringify(c)));
  const findings = [
    ...Object.entries(r.findings).map(([property, f]) => ({ property, f })),
    ...Object.entries(r.distinct ?? {}).flatMap(([property, fs]) => fs.map((f) => ({ property, f }))),
  ];
  for (const { property, f } of findings) {
    if (!r.properties.includes(property)) return `a finding for '${property}', which the run did not check`;
    if (f.program >= r.totalPrograms) return `the finding for ${property} names program ${f.program} of ${r.totalPrograms}`;
    if (!f.threads.flat().every((c) => known.has(JSON.stringify(c)))) return `the finding for ${property} has a call outside the alphabet`;
    const wrong = decisionsProblem(subject, f.threads, f.decisions);
    if (wrong) return `the finding for ${property}: ${wrong}`;
    const cx = counterexampleOf(subject, r.options, property, f.threads, f.decisions);
    if (!cx) return `the finding for ${property} does not violate it when replayed`;
    if ("signature" in f && f.signature !== cx.signature) return `a finding for ${property} does not have the signature it states when replayed`;
  }
  return null;
}
