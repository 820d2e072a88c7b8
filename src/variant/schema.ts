/**
 * The shape check of a variant module's default export (zod): the first thing wrong,
 * named by its path (`patch.date`, `code.design.alloc`), so the author knows what to fix.
 * Functions are checked to be functions; that kernel hooks are generators is checked when
 * they run (subject.ts), since a plain function that returns a generator is fine too.
 */
import { z } from "zod";
import { u32, u64 } from "../program/schema.js";
import { TARGETS } from "../targets/registry.js";
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

const common = { name, summary: z.string().min(1), patch };

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

const arm64Memfault = z.strictObject({
  target: z.literal("arm64-memfault"),
  ...common,
  gmemErrorExit: fn,
  onRunReturn: fn.optional(),
});

const x86Memfault = z.strictObject({
  target: z.literal("x86-memfault"),
  ...common,
  onRunReturn: fn.optional(),
});

const SCHEMAS = { "riscv-hgatp": riscvHgatp, "arm64-memfault": arm64Memfault, "x86-memfault": x86Memfault } as const;

/** Null if `v` fits its target's interface, else one line: the field and what is wrong with it. */
export function shapeProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null) return `the default export is ${v === null ? "null" : typeof v}, not a variant object (export default defineVariant({ ... }))`;
  const target = (v as { target?: unknown }).target;
  if (typeof target !== "string") return "target: expected one of " + VARIANT_TARGETS.join(", ");
  if (!(VARIANT_TARGETS as readonly string[]).includes(target) && TARGETS.some((t) => t.name === target))
    return `target: ${target} does not take variant files yet (they are for ${VARIANT_TARGETS.join(", ")})`;
  if (!(VARIANT_TARGETS as readonly string[]).includes(target))
    return `target: unknown target '${target}' (known: ${VARIANT_TARGETS.join(", ")})`;
  const r = SCHEMAS[target as keyof typeof SCHEMAS].safeParse(v);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  const where = issue.path.map(String).join(".");
  const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
  return `${where || "variant"}: ${issue.message}${keys}`.replace(/\s+/g, " ");
}
