/** The shipped targets, and lookup by name with an error a user can act on (`target@variant` specs: src/variant/resolve.ts). */
import { UsageError } from "./errors.js";
import { arm64Memfault, x86Memfault } from "./memfault/index.js";
import { riscvHgatp } from "./riscv-hgatp/index.js";
import type { Target } from "./target.js";
import { x86Caps } from "./x86-caps/index.js";

export { UsageError };

export const TARGETS: readonly Target[] = [riscvHgatp, arm64Memfault, x86Memfault, x86Caps];

export function findTarget(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new UsageError(`unknown target '${name}' (known: ${TARGETS.map((x) => x.name).join(", ")})`);
  return t;
}
