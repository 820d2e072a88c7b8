/** `kvm-ordercheck replay <token>`: one execution, the same counterexample. */
import { counterexampleOf } from "../explore/counterexample.js";
import { BadTokenError, decisionsProblem, decodeReplay, targetOptionsProblem } from "../explore/replay.js";
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

/** `files`: the --variant-file variants (a token of a variant from a file names it; the file defines it). */
export function runReplay(
  token: string,
  json: boolean,
  write: (s: string) => void,
  files: readonly LoadedVariant[] = [],
  repro?: ReproRequest,
  outputs?: OutputRequest,
): number {
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
  if (json) {
    const out = { target: spec.target, variant: spec.variant, verdict: cx ? "violated" : "holds", property: spec.property, counterexample: cx ? counterexampleJson(cx) : null };
    write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (cx) write(`${spec.target}@${spec.variant}\n${counterexampleText(cx)}\n`);
  else write(`${spec.target}@${spec.variant}: ${spec.property} holds on this execution\n`);
  if (repro) writeRepro(repro, cx ? [{ cx, subject }] : []);
  if (outputs)
    writeOutputs(outputs, [
      { subject, verdicts: [cx ? { property: spec.property, verdict: "violated", counterexample: cx } : { property: spec.property, verdict: "holds" }], how: "replay: one execution" },
    ]);
  return cx ? 1 : 0;
}
