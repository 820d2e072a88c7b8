/** `kvm-ordercheck draw <target>`: the target's reference machine as a Mermaid state diagram. */
import { stateDiagram } from "../report/mermaid.js";
import { resolveSpec } from "../targets/registry.js";

export function runDraw(spec: string, write: (s: string) => void): number {
  const { target, variants } = resolveSpec(spec);
  // The machine's structure is the same for every variant (a variant changes its input: the contract).
  const subject = target.subject(variants[0]!);
  write(stateDiagram(subject.model.machine));
  return 0;
}
