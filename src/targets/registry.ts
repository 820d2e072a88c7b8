/** The shipped targets, and `target[@variant]` lookup with errors a user can act on. */
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

/** `riscv-hgatp@v8` → the target and ["v8"]; `riscv-hgatp` → every variant. */
export function resolveSpec(spec: string): { target: Target; variants: string[] } {
  const [name, variant, extra] = spec.split("@");
  if (extra !== undefined || !name) throw new UsageError(`malformed target '${spec}' (expected <target>[@<variant>])`);
  const target = findTarget(name);
  if (variant === undefined) return { target, variants: target.variants.map((v) => v.name) };
  if (!target.variants.some((v) => v.name === variant))
    throw new UsageError(`unknown variant '${variant}' of ${name} (known: ${target.variants.map((v) => v.name).join(", ")})`);
  return { target, variants: [variant] };
}
