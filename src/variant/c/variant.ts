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
import { lowerFile } from "./lower.js";
import { parseC, parseExpr } from "./parse.js";
import { refusal } from "./refuse.js";
import type { CType } from "./types.js";
import { U64, convert, isInt, typeName } from "./types.js";
import { arm64World, x86World } from "./world-memfault.js";
import { DESIGN_OF_FIELD, riscvWorld } from "./world-riscv.js";
import type { Value, World } from "./world.js";

/** The targets that take C variants, with their worlds and default bases. */
export const C_WORLDS: Readonly<Record<string, { readonly world: World; readonly base: string }>> = {
  "riscv-hgatp": { world: riscvWorld, base: "v8" },
  "arm64-memfault": { world: arm64World, base: "current" },
  "x86-memfault": { world: x86World, base: "current" },
};

export interface CHeader {
  readonly variant?: string;
  readonly subject?: string;
  readonly messageId?: string;
  readonly date?: string;
  readonly list?: string;
  readonly summary?: string;
  readonly base?: string;
}

const HEADER_KEYS: Readonly<Record<string, keyof CHeader>> = {
  variant: "variant",
  subject: "subject",
  "message-id": "messageId",
  date: "date",
  list: "list",
  summary: "summary",
  base: "base",
};

/** `Key: value` lines of the file's first comment. */
export function parseHeader(text: string): CHeader {
  const m = /^\s*(\/\*[\s\S]*?\*\/|(?:\/\/[^\n]*\n\s*)+)/.exec(text);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const raw of m[1]!.split("\n")) {
    const line = raw.replace(/^\s*(\/\*+|\*+\/?|\/\/)?\s?/, "").replace(/\s*\*\/\s*$/, "");
    const kv = /^([A-Za-z-]+):\s*(.+?)\s*$/.exec(line);
    const key = kv && HEADER_KEYS[kv[1]!.toLowerCase()];
    if (key && out[key] === undefined) out[key] = kv[2]!.replace(/^<(.*)>$/, "$1");
  }
  return out;
}

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

/**
 * Translates the C of `text` (`file` as messages name it, `source` its absolute path)
 * into a variant of `target`.
 */
export async function cVariant(file: string, text: string, target: string, source: string = resolve(file)): Promise<Built> {
  const entry = C_WORLDS[target];
  if (!entry) throw new UsageError(`${file}: ${target} takes no C variants (C variants are for ${Object.keys(C_WORLDS).join(", ")})`);
  const { world } = entry;
  const header = parseHeader(text);
  const baseName = header.base ? baseOf(file, target, header.base) : entry.base;
  const baseVariant = (shipped as Record<string, Record<string, unknown>>)[target]![baseName]!;

  // A cap number the base's patch added (KVM_CAP_RISCV_SET_HGATP_MODE) is a constant for the C too.
  const baseCaps = target === "riscv-hgatp" ? (baseVariant as RiscvHgatpVariant).code.caps : {};
  const capWorld: World = {
    ...world,
    constants: { ...world.constants, ...Object.fromEntries(Object.entries(baseCaps).map(([k, v]) => [k, { value: BigInt(v), type: world.constants.EINVAL!.type }])) },
  };
  const tree = await parseC(file, text);
  const lowered = lowerFile(file, tree.rootNode, capWorld, parseExpr);
  const prog: Program = { file, source, functions: lowered.functions };
  const hooks = new Map<string, CFunction>();
  for (const f of lowered.functions.values()) {
    const slot = world.hooks.find((h) => h.cname === f.name);
    if (!slot) continue;
    if (!slot.arity.includes(f.params.length))
      throw refusal(file, { line: f.line, col: 1 }, `${f.name}() has ${f.params.length} parameters; the model calls it with ${slot.arity.join(" or ")} (${slot.what})`);
    hooks.set(f.name, f);
  }
  if (hooks.size === 0)
    throw new UsageError(`${file}: defines none of the functions ${target} lets a variant replace (${world.hooks.map((h) => `${h.cname}()`).join(", ")})`);
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
      throw refusal(file, { line: f.line, col: 1 }, `${f.name}() is neither a function ${target} lets a variant replace (${world.hooks.map((h) => `${h.cname}()`).join(", ")}) nor called by one: the model does not have it`);

  const variantName = header.variant ?? basename(file).replace(/\.c$/, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(variantName))
    throw new UsageError(`${file}: variant name '${variantName}': expected letters, digits and . _ + - (give it with a 'Variant:' line in the leading comment)`);
  const base = baseVariant as { patch: UserVariant["patch"]; summary: string };
  const patch = {
    title: header.subject ?? `${basename(file)} (C, checked against the base ${target}@${baseName})`,
    list: header.list ?? base.patch.list,
    // Reports print "(date, <Message-Id>)": say plainly that the file gave none.
    date: header.date ?? "undated",
    messageId: header.messageId ?? "no Message-Id",
    related: [base.patch.messageId],
  };
  const common = {
    name: variantName,
    summary: header.summary ?? `C from ${basename(file)}, translated at load time (what C does not say: ${target}@${baseName})`,
    patch,
  };

  const paramCheck = (f: CFunction, i: number, want: string, ok: (t: CType) => boolean) => {
    const p = f.params[i]!;
    if (!ok(p.t)) throw refusal(file, { line: f.line, col: 1 }, `${f.name}(): parameter ${i + 1} '${p.name}' is ${typeName(p.t)}; the model passes ${want}`);
  };
  const ptrTo = (s: string) => (t: CType) => t.k === "ptr" && t.to.name === s;

  let variant: UserVariant;
  switch (target) {
    case "riscv-hgatp": {
      const b = baseVariant as RiscvHgatpVariant<unknown>;
      const designs = new Set([...lowered.fieldsUsed].flatMap((f) => (f.startsWith("kvm_arch.") ? [DESIGN_OF_FIELD[f.slice(9)]!] : [])));
      if (designs.size > 1)
        throw new UsageError(`${file}: uses the per-VM fields of both designs of the series (kvm->arch.pgd_levels and v2's kvm_riscv_gstage_*): pick one`);
      const design = designs.has("pgd-levels") ? pgdLevelsDesign : designs.has("mode-and-levels") ? modeAndLevelsDesign : b.code.design;
      const caps: Record<string, number> = { ...b.code.caps };
      for (const [k, v] of lowered.defines) if (k.startsWith("KVM_CAP_") && !(k in UAPI_CAPS)) caps[k] = Number(v.value);
      const enable = hooks.get("kvm_vm_ioctl_enable_cap");
      const check = hooks.get("kvm_vm_ioctl_check_extension");
      if (enable) {
        paramCheck(enable, 0, "struct kvm *", ptrTo("kvm"));
        paramCheck(enable, 1, "struct kvm_enable_cap *", ptrTo("kvm_enable_cap"));
      }
      if (check) {
        paramCheck(check, 0, "struct kvm *", ptrTo("kvm"));
        paramCheck(check, 1, "an integer (the cap)", isInt);
      }
      variant = {
        target: "riscv-hgatp",
        ...common,
        code: {
          design,
          caps,
          kvm_vm_ioctl_enable_cap: enable
            ? function* (kvm, cap) {
                return jsResult(file, enable, yield* runC(prog, enable, [cArg(kvm, enable.params[0]!.t), cArg(cap, enable.params[1]!.t)], { data: {} }));
              }
            : b.code.kvm_vm_ioctl_enable_cap,
          kvm_vm_ioctl_check_extension: check
            ? function* (kvm, ext) {
                return jsResult(file, check, yield* runC(prog, check, [cArg(kvm, check.params[0]!.t), cArg(ext, check.params[1]!.t)], { data: {} }));
              }
            : b.code.kvm_vm_ioctl_check_extension,
        },
        contract: b.contract,
        capArgs: b.capArgs,
      };
      break;
    }
    default: {
      const b = baseVariant as MemfaultVariant;
      const exit = hooks.get("kvm_prepare_memory_fault_exit");
      const ioctl = hooks.get("kvm_vcpu_ioctl");
      const m: { gmemErrorExit?: MemfaultVariant["gmemErrorExit"]; onRunReturn?: MemfaultVariant["onRunReturn"] } = {};
      if (exit) {
        paramCheck(exit, 0, "struct kvm_vcpu *", ptrTo("kvm_vcpu"));
        for (let i = 1; i < exit.params.length; i++) paramCheck(exit, i, "an integer", isInt);
        m.gmemErrorExit = function* (vcpu, gpa, size, is_write, is_exec, is_private, err) {
          const js = [vcpu, gpa, size, is_write, is_exec, is_private, err].slice(0, exit.params.length);
          yield* runC(prog, exit, js.map((v, i) => cArg(v, exit.params[i]!.t)), { data: {} });
        };
      } else if (b.gmemErrorExit) m.gmemErrorExit = b.gmemErrorExit;
      if (ioctl) {
        paramCheck(ioctl, 0, "struct file * (or struct kvm_vcpu *)", (t) => ptrTo("file")(t) || ptrTo("kvm_vcpu")(t));
        paramCheck(ioctl, 1, "an integer (the ioctl)", isInt);
        paramCheck(ioctl, 2, "an integer (the argument)", isInt);
        m.onRunReturn = (vcpu, r) => runReturn(file, prog, ioctl, vcpu, r);
      } else if (b.onRunReturn) m.onRunReturn = b.onRunReturn;
      if (target === "arm64-memfault") variant = { target: "arm64-memfault", ...common, gmemErrorExit: m.gmemErrorExit!, ...(m.onRunReturn ? { onRunReturn: m.onRunReturn } : {}) };
      else variant = { target: "x86-memfault", ...common, ...(m.onRunReturn ? { onRunReturn: m.onRunReturn } : {}) };
    }
  }
  const lines = [...new Set([...lowered.functions.values()].flatMap((f) => f.lines))].sort((a, b) => a - b);
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
  const it = runC(prog, f, [{ p: filp as object }, convert(0xae80n, f.params[1]!.t as typeof U64), convert(0n, f.params[2]!.t as typeof U64)], { data });
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

