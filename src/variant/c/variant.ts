/**
 * A C variant: the kernel functions a patch touches, as C, made into the variant the
 * target's model takes. Each function definition whose kernel name is one of the
 * target's hooks (world-*.ts) replaces the model's; the other functions are helpers the
 * hooks may call. What C cannot say (riscv: the documented contract and the cap
 * arguments programs try; the hooks the file leaves out) comes from a shipped variant,
 * the base: `Base: riscv-hgatp@v7` in the leading comment, else the target's newest.
 *
 * The leading comment may also give `Variant:` (the name; else the file's name),
 * `Subject:`, `Message-Id:`, `Date:`, `List:` and `Summary:`.
 */
import { basename, resolve } from "node:path";
import type { MemfaultVariant } from "../../targets/memfault/variant.js";
import type { RiscvHgatpVariant } from "../../targets/riscv-hgatp/variant.js";
import { UsageError } from "../../targets/errors.js";
import type { K } from "../../kernel/rt/ops.js";
import { isVisible } from "../../kernel/rt/ops.js";
import { modeAndLevelsDesign } from "../../kernel/riscv/mode-and-levels.js";
import { pgdLevelsDesign } from "../../kernel/riscv/pgd-levels.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import { shipped } from "../index.js";
import type { UserVariant } from "../interface.js";
import type { CFunction } from "./ir.js";
import { callees } from "./ir.js";
import { runC } from "./interp.js";
import type { Program } from "./interp.js";
import type { Lowered } from "./lower.js";
import { lowerFile } from "./lower.js";
import { parseHeader } from "./header.js";
import { parseC, parseExpr } from "./parse.js";
import { refusal } from "./refuse.js";
import type { CType, IntType } from "./types.js";
import { INT, convert, isInt, typeName } from "./types.js";
import { arm64World, x86World } from "./world-memfault.js";
import { DESIGN_OF_FIELD, riscvWorld } from "./world-riscv.js";
import type { Value, World } from "./world.js";
import { COMMON_CONSTANTS } from "./world.js";

/** The targets that take C variants, with their worlds and default bases. */
export const C_WORLDS: Readonly<Record<string, { readonly world: World; readonly base: string }>> = {
  "riscv-hgatp": { world: riscvWorld, base: "v8" },
  "arm64-memfault": { world: arm64World, base: "current" },
  "x86-memfault": { world: x86World, base: "current" },
};

/** A C value for the C parameter type `t` from the model's JS value. */
function cArg(v: unknown, t: CType): Value {
  if (isInt(t)) return convert(typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v as number), t);
  return { p: (v as object | null) ?? null };
}

/** What a C function returned, as the model's number. */
function jsResult(file: string, f: CFunction, v: Value): number {
  if (typeof v === "bigint") return Number(v);
  throw new UsageError(`${file}:${f.line}:1: ${f.name}() reached its end without returning a value`);
}

export interface Built {
  readonly variant: UserVariant;
  /** The lines of the file's statements (what `cover` ops can report), by its absolute path. */
  readonly coverable: { readonly source: string; readonly lines: readonly number[] };
}

/** The file's functions, its hooks (by kernel name) and what the riscv design needs. */
interface Translated {
  readonly prog: Program;
  readonly hooks: ReadonlyMap<string, CFunction>;
  readonly lowered: Lowered;
}

/** Parses and lowers `text`; refuses a hook of the wrong arity and a function no hook reaches. */
async function translate(file: string, source: string, text: string, world: World): Promise<Translated> {
  const tree = await parseC(file, text);
  const lowered = lowerFile(file, tree.rootNode, world, parseExpr);
  const hooks = new Map<string, CFunction>();
  for (const f of lowered.functions.values()) {
    const slot = world.hooks.find((h) => h.cname === f.name);
    if (!slot) continue;
    if (!slot.arity.includes(f.params.length))
      throw refusal(file, { line: f.line, col: 1 }, `${f.name}() has ${f.params.length} parameters; the model calls it with ${slot.arity.join(" or ")} (${slot.what})`);
    hooks.set(f.name, f);
  }
  const replaceable = world.hooks.map((h) => `${h.cname}()`).join(", ");
  if (hooks.size === 0) throw new UsageError(`${file}: defines none of the functions ${world.target} lets a variant replace (${replaceable})`);
  // A function no hook reaches would be silently ignored: it is a function the model does not have.
  const reached = new Set(hooks.keys());
  const todo = [...reached];
  while (todo.length)
    for (const c of callees(lowered.functions.get(todo.pop()!)!)) {
      if (reached.has(c)) continue;
      reached.add(c);
      todo.push(c);
    }
  for (const f of lowered.functions.values())
    if (!reached.has(f.name))
      throw refusal(file, { line: f.line, col: 1 }, `${f.name}() is neither a function ${world.target} lets a variant replace (${replaceable}) nor called by one: the model does not have it`);
  return { prog: { file, source, functions: lowered.functions }, hooks, lowered };
}

/** Refuses a hook parameter of a type the model does not pass. */
function paramCheck(file: string, f: CFunction, i: number, want: string, ok: (t: CType) => boolean): void {
  const p = f.params[i]!;
  if (!ok(p.t)) throw refusal(file, { line: f.line, col: 1 }, `${f.name}(): parameter ${i + 1} '${p.name}' is ${typeName(p.t)}; the model passes ${want}`);
}
const ptrTo = (s: string) => (t: CType) => t.k === "ptr" && t.to.name === s;

/** riscv-hgatp: the two vm.c hooks, the design the C's fields belong to, the caps it defines; the contract from the base. */
function riscvVariant(file: string, t: Translated, base: RiscvHgatpVariant<unknown>, common: Common): UserVariant {
  const designs = new Set([...t.lowered.fieldsUsed].flatMap((f) => (f.startsWith("kvm_arch.") ? [DESIGN_OF_FIELD[f.slice(9)]!] : [])));
  if (designs.size > 1)
    throw new UsageError(`${file}: uses the per-VM fields of both designs of the series (kvm->arch.pgd_levels and v2's kvm_riscv_gstage_*): pick one`);
  const design = designs.has("pgd-levels") ? pgdLevelsDesign : designs.has("mode-and-levels") ? modeAndLevelsDesign : base.code.design;
  const caps: Record<string, number> = { ...base.code.caps };
  for (const [k, v] of t.lowered.defines) if (k.startsWith("KVM_CAP_") && !(k in UAPI_CAPS)) caps[k] = Number(v.value);
  const enable = t.hooks.get("kvm_vm_ioctl_enable_cap");
  const check = t.hooks.get("kvm_vm_ioctl_check_extension");
  if (enable) {
    paramCheck(file, enable, 0, "struct kvm *", ptrTo("kvm"));
    paramCheck(file, enable, 1, "struct kvm_enable_cap *", ptrTo("kvm_enable_cap"));
  }
  if (check) {
    paramCheck(file, check, 0, "struct kvm *", ptrTo("kvm"));
    paramCheck(file, check, 1, "an integer (the cap)", isInt);
  }
  return {
    target: "riscv-hgatp",
    ...common,
    code: {
      design,
      caps,
      kvm_vm_ioctl_enable_cap: enable
        ? function* (kvm, cap) {
            return jsResult(file, enable, yield* runC(t.prog, enable, [cArg(kvm, enable.params[0]!.t), cArg(cap, enable.params[1]!.t)], { data: {} }));
          }
        : base.code.kvm_vm_ioctl_enable_cap,
      kvm_vm_ioctl_check_extension: check
        ? function* (kvm, ext) {
            return jsResult(file, check, yield* runC(t.prog, check, [cArg(kvm, check.params[0]!.t), cArg(ext, check.params[1]!.t)], { data: {} }));
          }
        : base.code.kvm_vm_ioctl_check_extension,
    },
    contract: base.contract,
    capArgs: base.capArgs,
  };
}

/** arm64-memfault / x86-memfault: gmem_abort()'s exit (arm64) and the generic KVM_RUN return; the rest from the base. */
function memfaultVariant(file: string, t: Translated, base: MemfaultVariant, common: Common, target: "arm64-memfault" | "x86-memfault"): UserVariant {
  const exit = t.hooks.get("kvm_prepare_memory_fault_exit");
  const ioctl = t.hooks.get("kvm_vcpu_ioctl");
  let gmemErrorExit = base.gmemErrorExit;
  let onRunReturn = base.onRunReturn;
  if (exit) {
    paramCheck(file, exit, 0, "struct kvm_vcpu *", ptrTo("kvm_vcpu"));
    for (let i = 1; i < exit.params.length; i++) paramCheck(file, exit, i, "an integer", isInt);
    gmemErrorExit = function* (vcpu, gpa, size, is_write, is_exec, is_private, err) {
      const js = [vcpu, gpa, size, is_write, is_exec, is_private, err].slice(0, exit.params.length);
      yield* runC(t.prog, exit, js.map((v, i) => cArg(v, exit.params[i]!.t)), { data: {} });
      // gmem_abort() as merged: prepare the exit, then return kvm_gmem_get_pfn()'s error.
      return err;
    };
  }
  if (ioctl) {
    paramCheck(file, ioctl, 0, "struct file * (or struct kvm_vcpu *)", (x) => ptrTo("file")(x) || ptrTo("kvm_vcpu")(x));
    paramCheck(file, ioctl, 1, "an integer (the ioctl)", isInt);
    paramCheck(file, ioctl, 2, "an integer (the argument)", isInt);
    onRunReturn = (vcpu, r) => runReturn(file, t.prog, ioctl, vcpu, r);
  }
  const run = onRunReturn ? { onRunReturn } : {};
  return target === "arm64-memfault" ? { target, ...common, gmemErrorExit: gmemErrorExit!, ...run } : { target, ...common, ...run };
}

type Common = Pick<UserVariant, "name" | "summary" | "patch">;

/**
 * Translates the C of `text` (`file` as messages name it, `source` its absolute path)
 * into a variant of `target`.
 */
export async function cVariant(file: string, text: string, target: string, source: string = resolve(file)): Promise<Built> {
  const entry = C_WORLDS[target];
  if (!entry) throw new UsageError(`${file}: ${target} takes no C variants (C variants are for ${Object.keys(C_WORLDS).join(", ")})`);
  const header = parseHeader(text);
  const baseName = header.base ? baseOf(file, target, header.base) : entry.base;
  const base = (shipped as Record<string, Record<string, RiscvHgatpVariant<unknown> | MemfaultVariant>>)[target]![baseName]!;
  // A cap number the base's patch added (KVM_CAP_RISCV_SET_HGATP_MODE) is a constant for the C too.
  const baseCaps = "code" in base ? base.code.caps : {};
  const world: World = {
    ...entry.world,
    constants: { ...entry.world.constants, ...Object.fromEntries(Object.entries(baseCaps).map(([k, v]) => [k, { value: BigInt(v), type: INT }])) },
  };
  const t = await translate(file, source, text, world);

  const name = header.variant ?? basename(file).replace(/\.c$/, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name))
    throw new UsageError(`${file}: variant name '${name}': expected letters, digits and . _ + - (give it with a 'Variant:' line in the leading comment)`);
  const common: Common = {
    name,
    summary: header.summary ?? `C from ${basename(file)}, translated at load time (what C does not say: ${target}@${baseName})`,
    patch: {
      title: header.subject ?? `${basename(file)} (C, checked against the base ${target}@${baseName})`,
      list: header.list ?? base.patch.list,
      // Reports print "(date, <Message-Id>)": say plainly that the file gave none.
      date: header.date ?? "undated",
      messageId: header.messageId ?? "no Message-Id",
      related: [base.patch.messageId],
    },
  };
  const variant =
    target === "riscv-hgatp"
      ? riscvVariant(file, t, base as RiscvHgatpVariant<unknown>, common)
      : memfaultVariant(file, t, base as MemfaultVariant, common, target as "arm64-memfault" | "x86-memfault");
  const lines = [...new Set([...t.lowered.functions.values()].flatMap((f) => f.lines))].sort((a, b) => a - b);
  return { variant, coverable: { source, lines } };
}

/**
 * `kvm_vcpu_ioctl()` for KVM_RUN, from the arch's return on: the model has run
 * `kvm_arch_vcpu_ioctl_run()` already, so the C's call of it gives `r`, and the code
 * before that call must not touch shared state (the model did that part).
 */
function* runReturn(file: string, prog: Program, f: CFunction, vcpu: unknown, r: number): K<number> {
  const data: Record<string, unknown> = { runResult: r };
  const filp = f.params[0]!.t.k === "ptr" && f.params[0]!.t.to.name === "file" ? { private_data: vcpu } : vcpu;
  const it = runC(prog, f, [{ p: filp as object }, convert(COMMON_CONSTANTS.KVM_RUN!.value, f.params[1]!.t as IntType), convert(0n, f.params[2]!.t as IntType)], { data });
  let res = it.next();
  while (!res.done) {
    if (!data.ran && isVisible(res.value))
      throw new UsageError(`${file}: ${f.name}() touches shared state before r = kvm_arch_vcpu_ioctl_run(vcpu); the model runs that part itself (start the excerpt at that call)`);
    res = it.next(yield res.value);
  }
  if (!data.ran) throw new UsageError(`${file}: ${f.name}() did not call kvm_arch_vcpu_ioctl_run(vcpu) for KVM_RUN`);
  return jsResult(file, f, res.value);
}

function baseOf(file: string, target: string, spec: string): string {
  const [t, v] = spec.split("@");
  const names = Object.keys((shipped as Record<string, Record<string, unknown>>)[target] ?? {});
  if (t !== target || !v || !names.includes(v))
    throw new UsageError(`${file}: Base: ${spec} is not a shipped variant of ${target} (known: ${names.map((n) => `${target}@${n}`).join(", ")})`);
  return v;
}

