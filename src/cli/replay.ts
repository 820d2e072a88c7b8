/** `kvm-ordercheck replay <token>`: one execution, the same counterexample. */
import { counterexampleOf } from "../explore/counterexample.js";
import { decisionsProblem, decodeReplay, targetOptionsProblem } from "../explore/replay.js";
import { BadTokenError } from "../explore/replay-token.js";
import { findTarget } from "../targets/registry.js";
import { counterexampleJson } from "../report/json.js";
import { counterexampleText } from "../report/text.js";
import { UsageError } from "../targets/registry.js";
import type { OutputRequest } from "./outputs.js";
import { writeOutputs } from "./outputs.js";
import type { ReproRequest } from "./repro.js";
import { writeRepro } from "./repro.js";
import type { LoadedVariant } from "../variant/load.js";
import { replaySubject } from "../variant/resolve.js";
import type { Format } from "./run-output.js";
import { RunOutput } from "./run-output.js";

/** `files`: the --variant-file variants (a token of a variant from a file names it; the file defines it). */
export async function runReplay(
  token: string,
  format: Format,
  write: (s: string) => void,
  files: readonly LoadedVariant[] = [],
  repro?: ReproRequest,
  outputs?: OutputRequest,
): Promise<number> {
  const spec = decodeReplay(token);
  const wrongOption = targetOptionsProblem(findTarget(spec.target), spec.options);
  if (wrongOption) throw new BadTokenError(`replay token's ${wrongOption}`);
  const subject = replaySubject(spec, files);
  if (!subject.properties.some((p) => p.name === spec.property))
    throw new UsageError(`replay token names unknown property '${spec.property}'`);
  const known = new Set([...subject.alphabet, ...(subject.exhaustive?.alphabet ?? [])].map((c) => c.ioctl));
  for (const call of spec.threads.flat())
    if (!known.has(call.ioctl)) throw new UsageError(`replay token's program has a call ${spec.target} does not know: '${call.ioctl}'`);
  const wrong = decisionsProblem(subject, spec.threads, spec.decisions);
  if (wrong) throw new BadTokenError(`replay token's decisions do not fit its program: ${wrong}`);
  const cx = counterexampleOf(subject, spec.options, spec.property, spec.threads, spec.decisions);
  const statement = subject.properties.find((p) => p.name === spec.property)?.statement;
  const verdict = cx
    ? { property: spec.property, statement, verdict: "violated" as const, counterexample: counterexampleJson(cx) }
    : { property: spec.property, statement, verdict: "holds" as const };
  const out = await RunOutput.open("replay", format, write, [`${spec.target}@${spec.variant}`]);
  out.subject(
    {
      target: spec.target,
      variant: spec.variant,
      mode: "replay",
      verdict: verdict.verdict,
      property: cx ? spec.property : null,
      counterexample: cx ? counterexampleJson(cx) : null,
      replay: cx ? cx.replay : null,
      properties: [verdict],
    },
    cx ? `${spec.target}@${spec.variant}\n${counterexampleText(cx)}\n` : `${spec.target}@${spec.variant}: ${spec.property} holds on this execution\n`,
  );
  out.end();
  if (repro) await writeRepro(repro, cx ? [{ cx, subject }] : []);
  if (outputs)
    await writeOutputs(outputs, [
      { subject, verdicts: [cx ? { property: spec.property, verdict: "violated", counterexample: cx } : { property: spec.property, verdict: "holds" }], how: "replay: one execution" },
    ]);
  return cx ? 1 : 0;
}
