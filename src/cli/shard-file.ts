/**
 * A shard file as `merge` reads it: the `--json` output of `check --exhaustive --shard
 * i/n` (one object, or an array of them for several variants), untrusted like every
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
import { issueText, programSchema, callSchema } from "../program/schema.js";
import type { Subject } from "../targets/target.js";

/** A shard file larger than this is not one the tool wrote (they are a few hundred kB at most). */
const MAX_FILE_BYTES = 64 << 20;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, { error: "expected a name (letters, digits, . _ + -)" });
const word = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { error: "expected an option name or value" });

const finding = z.strictObject({
  program: z.number().int().min(0).max(MAX_PROGRAMS),
  threads: programSchema,
  decisions: z.array(z.number().int().min(0).max(255)).max(1 << 20),
  calls: count,
  threadCount: count,
  preemptions: count,
});

const result = z
  .object({
    target: name,
    variant: name,
    options: z.record(word, word),
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
    properties: z.array(name).max(64),
    findings: z.record(name, finding),
    ms: z.number().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The shard stopped at the shortest: every property violated by a program of at most this size. */
    stoppedAfter: z.number().int().min(1).max(8 * 16).optional(),
    missingShards: z.never({ error: "this is the output of merge, not of one shard: merge the shards' own files" }).optional(),
    coverage: z.strictObject({ machine: z.string().max(200), transitions: z.array(z.string().max(200)).max(100_000) }).optional(),
  })
  .refine((r) => r.programs <= r.totalPrograms, { error: "programs: more than the bound's totalPrograms" });

/** What merge needs of a `--json` output; the rest of the report is not read. */
const shardOutput = z.object({ result }, { error: "expected the --json output of check --exhaustive" });
const shardFile = z.union([shardOutput, z.array(shardOutput).min(1).max(1024)], { error: "expected the --json output of check --exhaustive" });

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
  if (!r.success) {
    // The union's own error says only that neither form fits: name the field of the form the file has.
    const form = Array.isArray(parsed) ? z.array(shardOutput) : shardOutput;
    const detail = form.safeParse(parsed);
    throw new MergeError(`${file} is not the --json output of check --exhaustive: ${issueText("", detail.error ?? r.error)}`);
  }
  const outputs = Array.isArray(r.data) ? r.data : [r.data];
  return outputs.map((o) => o.result as unknown as ExhaustiveResult);
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
  for (const [property, f] of Object.entries(r.findings)) {
    if (!r.properties.includes(property)) return `a finding for '${property}', which the run did not check`;
    if (f.program >= r.totalPrograms) return `the finding for ${property} names program ${f.program} of ${r.totalPrograms}`;
    const known = new Set(bound.alphabet.map((c) => JSON.stringify(c)));
    if (!f.threads.flat().every((c) => known.has(JSON.stringify(c)))) return `the finding for ${property} has a call outside the alphabet`;
    const wrong = decisionsProblem(subject, f.threads, f.decisions);
    if (wrong) return `the finding for ${property}: ${wrong}`;
    if (!counterexampleOf(subject, r.options, property, f.threads, f.decisions)) return `the finding for ${property} does not violate it when replayed`;
  }
  return null;
}
