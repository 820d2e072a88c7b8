/** `kvm-ordercheck replay <token>`: one execution, the same counterexample. */
import { counterexampleOf } from "../explore/counterexample.js";
import { decodeReplay } from "../explore/replay.js";
import { counterexampleJson } from "../report/json.js";
import { counterexampleText } from "../report/text.js";
import { UsageError, findTarget, resolveSpec } from "../targets/registry.js";

export function runReplay(token: string, json: boolean, write: (s: string) => void): number {
  const spec = decodeReplay(token);
  const target = findTarget(spec.target);
  const { variants } = resolveSpec(`${spec.target}@${spec.variant}`);
  const subject = target.subject(variants[0]!, spec.options);
  if (!subject.properties.some((p) => p.name === spec.property))
    throw new UsageError(`replay token names unknown property '${spec.property}'`);
  const known = new Set([...subject.alphabet, ...(subject.exhaustive?.alphabet ?? [])].map((c) => c.ioctl));
  for (const call of spec.threads.flat())
    if (!known.has(call.ioctl)) throw new UsageError(`replay token's program has a call ${spec.target} does not know: '${call.ioctl}'`);
  const cx = counterexampleOf(subject, spec.options, spec.property, spec.threads, spec.decisions);
  if (json) {
    const out = { target: spec.target, variant: spec.variant, verdict: cx ? "violated" : "holds", property: spec.property, counterexample: cx ? counterexampleJson(cx) : null };
    write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (cx) write(`${spec.target}@${spec.variant}\n${counterexampleText(cx)}\n`);
  else write(`${spec.target}@${spec.variant}: ${spec.property} holds on this execution\n`);
  return cx ? 1 : 0;
}
