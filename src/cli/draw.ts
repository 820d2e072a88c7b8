/** `kvm-ordercheck draw <target>`: the target's reference machine as a Mermaid state diagram. */
import { stateDiagram } from "../report/mermaid.js";
import { subjectsOfSpec } from "../variant/resolve.js";

export function runDraw(spec: string, write: (s: string) => void): number {
  // The machine's structure is the same for every variant (a variant changes its input: the contract).
  const subject = subjectsOfSpec(spec, [], {})[0]!;
  write(stateDiagram(subject.model.machine));
  return 0;
}
