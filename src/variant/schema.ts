/**
 * The shape check of a variant module's default export (zod): the first thing wrong,
 * named by its path (`patch.date`, `code.design.alloc`), so the author knows what to fix.
 * Functions are checked to be functions; that kernel hooks are generators is checked when
 * they run (subject.ts), since a plain function that returns a generator is fine too.
 */
import { z } from "zod";
import { u32, u64 } from "../program/schema.js";
import type { TargetHookTable } from "../targets/hooks.js";
import { findTarget } from "../targets/registry.js";
import { VARIANT_TARGETS } from "./interface.js";

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { message: "expected a function" });

/** `riscv-hgatp@v9`: the name goes after the `@`, and into replay tokens and file names. */
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { message: "expected letters, digits and . _ + - (it is written after the @ of target@variant)" });

const patch = z.object({
  title: z.string().min(1),
  list: z.string().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "expected YYYY-MM-DD" }),
  messageId: z.string().min(1).refine((s) => !/^<|>$/.test(s), { message: "expected the Message-Id without <>" }),
  related: z.array(z.string()).optional(),
  commits: z.array(z.string()).optional(),
});

/** `lines`: the variant's source file and the lines of its statements (the C front end fills it). */
const lines = z.object({ file: z.string().min(1), lines: z.array(z.number().int().positive()) });

const common = { name, summary: z.string().min(1), patch, lines: lines.optional() };

/** The hooks a target's table carries at the top of a variant object, by kernel name: required where the target ships no default. */
function topLevelHooks(table: TargetHookTable) {
  const out: Record<string, z.ZodType> = {};
  for (const h of table.hooks) if (!h.key.includes(".")) out[h.key] = h.default ? fn.optional() : fn;
  return out;
}

const design = z.object({
  alloc: fn,
  configCells: z.array(z.string()).min(1),
  decode: fn,
  kvm_riscv_mmu_update_hgatp: fn,
  prepare_pgd_levels: fn,
  mmu_map_levels: fn,
});

const riscvHgatp = z.strictObject({
  target: z.literal("riscv-hgatp"),
  ...common,
  ...topLevelHooks(findTarget("riscv-hgatp").hooks),
  code: z.object({
    design,
    caps: z.record(z.string().regex(/^KVM_CAP_[A-Z0-9_]+$/, { message: "expected a KVM_CAP_ name" }), u32),
    kvm_vm_ioctl_enable_cap: fn,
    kvm_vm_ioctl_check_extension: fn,
  }),
  contract: z.object({
    cap: z.string().regex(/^KVM_CAP_[A-Z0-9_]+$/, { message: "expected a KVM_CAP_ name" }),
    text: z.string().min(1),
    levelsFor: fn,
    rejectAfterVcpu: z.literal(true),
    rejectAfterMemslot: z.boolean(),
    tooLateErrno: z.number().int().positive().nullable(),
    setOnce: z.boolean(),
  }),
  // The cap's args[0] in the calls programs are made of: what a program's call may hold (program/schema.ts).
  capArgs: z.array(u64).min(1),
});

const hooksOnly = (target: "arm64-memfault" | "x86-memfault" | "x86-caps") =>
  z.strictObject({ target: z.literal(target), ...common, ...topLevelHooks(findTarget(target).hooks) });

const SCHEMAS = {
  "riscv-hgatp": riscvHgatp,
  "arm64-memfault": hooksOnly("arm64-memfault"),
  "x86-memfault": hooksOnly("x86-memfault"),
  "x86-caps": hooksOnly("x86-caps"),
} as const;

/** Null if `v` fits its target's interface, else one line: the field and what is wrong with it. */
export function shapeProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null) return `the default export is ${v === null ? "null" : typeof v}, not a variant object (export default defineVariant({ ... }))`;
  const target = (v as { target?: unknown }).target;
  if (typeof target !== "string") return "target: expected one of " + VARIANT_TARGETS.join(", ");
  if (!(VARIANT_TARGETS as readonly string[]).includes(target))
    return `target: unknown target '${target}' (known: ${VARIANT_TARGETS.join(", ")})`;
  const r = SCHEMAS[target as keyof typeof SCHEMAS].safeParse(v);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  const where = issue.path.map(String).join(".");
  // A function under a name the target's hook table does not have: say which it has.
  if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
    const hooks = findTarget(target).hooks.hooks.map((h) => h.key);
    return `${issue.keys.join(", ")}: not a field or hook of a ${target} variant (its hooks: ${hooks.join(", ")})`;
  }
  const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
  return `${where || "variant"}: ${issue.message}${keys}`.replace(/\s+/g, " ");
}
