/**
 * The tool's own code a variant object may hold (a shipped hook it reuses, a shipped
 * riscv design), by name. A variant crosses its sandbox as data; where the sandbox found
 * one of these, the checker's side puts its own: so the hook table's identity checks
 * (suppliedHooks, widenAlphabet, the shipped design) answer alike on both sides, and
 * the subjects built there and here have the same alphabets.
 */
import { modeAndLevelsDesign } from "../kernel/riscv/mode-and-levels.js";
import { pgdLevelsDesign } from "../kernel/riscv/pgd-levels.js";
import { findTarget } from "../targets/registry.js";

/** Shipped objects a variant keeps whole (snapshot.ts leaves them as they are). */
export const OWN_OBJECTS: ReadonlySet<object> = new Set<object>([pgdLevelsDesign, modeAndLevelsDesign]);

/** The tool's code a variant of `target` may reuse, by name. */
export function ownCode(target: string): Map<string, unknown> {
  const out = new Map<string, unknown>([
    ["design:pgd-levels", pgdLevelsDesign],
    ["design:mode-and-levels", modeAndLevelsDesign],
  ]);
  for (const h of findTarget(target).hooks.hooks) {
    if (h.default) out.set(`${h.key}:default`, h.default);
    h.shipped?.forEach((f, k) => out.set(`${h.key}:shipped${k}`, f));
  }
  return out;
}

/** The names of `ownCode(target)`, by the code they name. */
export function ownNames(target: string): Map<unknown, string> {
  return new Map([...ownCode(target)].map(([name, code]) => [code, name]));
}
