/**
 * `kvm-ordercheck merge shard-*.json`: the verdict, counts and shortest counterexamples
 * of one exhaustive run from the `--json` outputs of its shards (shard-file.ts reads and
 * checks them). A set with shards missing states no proof: its JSON says `complete:
 * false` and which are missing, its verdict is never "holds", and the exit status is 2
 * unless a shard found a violation (1).
 */
import type { ExhaustiveResult } from "../explore/exhaustive/check.js";
import { MergeError, mergeResults } from "../explore/exhaustive/check.js";
import { targetOptionsProblem } from "../explore/replay.js";
import { exhaustiveJson, exhaustiveText } from "../report/exhaustive.js";
import { findTarget } from "../targets/registry.js";
import type { Subject } from "../targets/target.js";
import type { LoadedVariant } from "../variant/load.js";
import type { Format } from "./run-output.js";
import { RunOutput } from "./run-output.js";
import { readShardFile, shardProblem } from "./shard-file.js";

/** The subject a shard names: a loaded file's variant, or a shipped one. */
function subjectOf(file: string, r: ExhaustiveResult, files: readonly LoadedVariant[]): Subject {
  const spec = `${r.target}@${r.variant}`;
  const target = findTarget(r.target);
  const wrong = targetOptionsProblem(target, r.options);
  if (wrong) throw new MergeError(`${file}: ${wrong}`);
  const own = files.find((f) => f.spec === spec);
  if (own) return own.subject(r.options);
  if (!target.variants.some((v) => v.name === r.variant))
    throw new MergeError(`${file} is a shard of ${spec}, which is not shipped: give its file with --variant-file <path>`);
  return target.subject(r.variant, r.options);
}

/** The target the first shard file names (a C variant file takes its target from it). */
export function shardTarget(paths: readonly string[]): string {
  const first = paths[0] === undefined ? undefined : readShardFile(paths[0])[0];
  if (first === undefined) throw new MergeError("merge: no shard to take the target from");
  return first.target;
}

export async function runMerge(paths: readonly string[], format: Format, write: (s: string) => void, files: readonly LoadedVariant[] = []): Promise<number> {
  // Results grouped by target@variant, in the order they first appear.
  const groups = new Map<string, { subject: Subject; parts: ExhaustiveResult[] }>();
  let first: { path: string; specs: string } | undefined;
  for (const path of paths) {
    const results = readShardFile(path);
    // Shards of one run check the same variants: a file of others is another run.
    const specs = results.map((r) => `${r.target}@${r.variant}`).join(", ");
    first ??= { path, specs };
    if (specs !== first.specs) throw new MergeError(`${path} has shards of ${specs}, ${first.path} of ${first.specs}: not parts of one run`);
    for (const r of results) {
      const key = `${r.target}@${r.variant}`;
      const subject = groups.get(key)?.subject ?? subjectOf(path, r, files);
      const wrong = shardProblem(subject, r);
      if (wrong) throw new MergeError(`${path} (${key} shard ${r.shard.index}/${r.shard.count}) is not a shard this tool wrote: ${wrong}`);
      const g = groups.get(key) ?? { subject, parts: [] };
      g.parts.push(r);
      groups.set(key, g);
    }
  }
  const merged = [...groups.values()].map(({ subject, parts }) => ({ subject, r: mergeResults(parts) }));
  const missing = merged.filter((m) => m.r.missingShards);
  const out = await RunOutput.open("merge", format, write, merged.map(({ subject }) => `${subject.target}@${subject.variant}`));
  merged.forEach(({ subject, r }, k) => out.subject(exhaustiveJson(subject, r), `${k > 0 ? "\n" : ""}${exhaustiveText(subject, r)}\n`));
  out.end();
  // Said on stdout under the text report, on stderr when stdout is JSON, KTAP or JUnit.
  const say = out.structured ? (s: string) => void process.stderr.write(`kvm-ordercheck: ${s}`) : write;
  for (const { r } of missing)
    say(`incomplete: shards ${r.missingShards!.join(", ")} of ${r.shard.count} are missing (${r.target}@${r.variant}); the bound is not covered\n`);
  if (merged.some(({ r }) => Object.keys(r.findings).length > 0)) return 1;
  return missing.length > 0 ? 2 : 0;
}
