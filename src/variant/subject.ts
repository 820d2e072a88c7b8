/**
 * A user variant made into a `Subject`, the way its target assembles its shipped
 * variants (riscvHgatpSubject, memfaultSubject), with guards: what goes wrong in the
 * author's code is reported as a problem of the file (one line, exit 2), not as a crash
 * of the tool or a finding about the kernel. A module's code runs in its sandbox
 * (sandbox/); a C variant's translation is the tool's own code.
 */
import { arm64ArchOps } from "../kernel/arm64/arch.js";
import type { KvmArchOps } from "../kernel/generic/arch.js";
import { KernelPathError } from "../kernel/rt/execution.js";
import type { K, Op } from "../kernel/rt/ops.js";
import { notAnOp } from "../kernel/rt/ops.js";
import { modeAndLevelsDesign } from "../kernel/riscv/mode-and-levels.js";
import { pgdLevelsDesign } from "../kernel/riscv/pgd-levels.js";
import { x86ArchOps } from "../kernel/x86/arch.js";
import { UsageError } from "../targets/errors.js";
import { memfaultSubject } from "../targets/memfault/index.js";
import { findTarget } from "../targets/registry.js";
import { riscvHgatpSubject } from "../targets/riscv-hgatp/index.js";
import { x86CapsSubject } from "../targets/x86-caps/index.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { UserVariant } from "./interface.js";
import { SLOT } from "./sandbox/protocol.js";
import { isGeneratorFunction } from "./schema.js";

/** The first line of what was thrown. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split("\n").find((l) => l.trim())?.trim() ?? text;
}

/**
 * What the sandbox's watchdog sees (sandbox/protocol.ts): the hook running now and a
 * beat per return to the checker. Null outside a sandbox.
 */
let watch: Int32Array | null = null;
/** The names of the hooks, by id - 1: ids are what the control array holds. */
export const HOOK_NAMES: string[] = [];
/** The hook that last ran: names the path that looped when a call's step budget runs out. */
let lastHook = 0;

export function watchHooks(control: Int32Array): void {
  watch = control;
}

function hookId(where: string): number {
  const k = HOOK_NAMES.indexOf(where);
  return k >= 0 ? k + 1 : HOOK_NAMES.push(where);
}

/** Marks hook `id` as running; returns what was running before, for `leave`. */
function enter(id: number): number {
  lastHook = id;
  if (watch === null) return 0;
  const prev = watch[SLOT.hook]!;
  watch[SLOT.hook] = id;
  return prev;
}

function leave(prev: number): void {
  if (watch === null) return;
  watch[SLOT.hook] = prev;
  watch[SLOT.beat]!++;
}

type AnyFn = (...args: never[]) => unknown;

/**
 * The variant's kernel path `where` (a generator function: schema.ts), with what it
 * throws named after the file and the hook, and every value it yields checked to be an
 * op: `yield 42`, or `yield helper()` where `yield* helper()` was meant, is the file's
 * mistake, refused here, never ignored or mistaken for the kernel's behaviour.
 */
function kernelPath<F extends AnyFn>(file: string, where: string, f: F, self: unknown): F {
  const id = hookId(where);
  const threw = (e: unknown) => (e instanceof UsageError ? e : new UsageError(`variant file ${file}: ${where} threw ${firstLine(e)}`));
  return function* (...args: unknown[]): K<unknown> {
    let it: Iterator<unknown>;
    let prev = enter(id);
    try {
      it = (f as unknown as (...a: unknown[]) => Iterator<unknown>).apply(self, args);
    } catch (e) {
      throw threw(e);
    } finally {
      leave(prev);
    }
    let input: unknown;
    for (;;) {
      let r: IteratorResult<unknown>;
      prev = enter(id);
      try {
        r = it.next(input);
      } catch (e) {
        throw threw(e);
      } finally {
        leave(prev);
      }
      if (r.done) return r.value;
      const bad = notAnOp(r.value);
      if (bad !== null) throw new UsageError(`variant file ${file}: ${where} yielded ${bad}`);
      input = yield r.value as Op;
    }
  } as unknown as F;
}

/** A plain (non-generator) function of the variant, with what it throws named. */
function plain<F extends AnyFn>(file: string, where: string, f: F, self: unknown): F {
  const id = hookId(where);
  return ((...args: unknown[]) => {
    const prev = enter(id);
    try {
      return (f as unknown as (...a: unknown[]) => unknown).apply(self, args);
    } catch (e) {
      throw new UsageError(`variant file ${file}: ${where} threw ${firstLine(e)}`);
    } finally {
      leave(prev);
    }
  }) as unknown as F;
}

const WALK = "code.design.mmu_map_levels().walk";

/** `mmu_map_levels`, whose result's `walk` is a kernel path of the variant too: guarded the same way. */
function mapLevels(file: string, d: Extract<UserVariant, { target: "riscv-hgatp" }>["code"]["design"]) {
  const map = kernelPath(file, "code.design.mmu_map_levels", d.mmu_map_levels, d);
  hookId(WALK);
  return function* (...args: Parameters<typeof map>): ReturnType<typeof map> {
    const r = yield* map(...args);
    if (typeof r !== "object" || r === null || !isGeneratorFunction(r.walk))
      throw new UsageError(`variant file ${file}: code.design.mmu_map_levels must return { topup, walk } with walk a generator function (function*)`);
    return { ...r, walk: kernelPath(file, WALK, r.walk, r) };
  };
}

/**
 * The variant with every top-level hook of its target's table (by kernel name) guarded
 * as a kernel path; `gmemErrorExit` must also return gmem_abort()'s result.
 */
function guardedHooks<V extends UserVariant>(file: string, v: V): V {
  const out: Record<string, unknown> = { ...v };
  for (const h of findTarget(v.target).hooks.hooks) {
    const f = out[h.key];
    // The tool's own code (a hook's default, reused by name) stays as it is: not the variant's.
    if (h.key.includes(".") || typeof f !== "function" || f === h.default || h.shipped?.includes(f as AnyFn)) continue;
    const guarded = kernelPath(file, h.key, f as AnyFn, v);
    out[h.key] =
      h.key === "gmemErrorExit"
        ? function* (...args: unknown[]): K<number> {
            const r = yield* (guarded as unknown as (...a: unknown[]) => K<unknown>)(...args);
            if (typeof r !== "number")
              throw new UsageError(`variant file ${file}: gmemErrorExit must return what gmem_abort() returns (a number: err as merged, 0 to resume the guest); it returned ${typeof r}`);
            return r;
          }
        : guarded;
  }
  return out as V;
}

function guardedRiscv(file: string, v: Extract<UserVariant, { target: "riscv-hgatp" }>) {
  const { code, contract } = v;
  const d = code.design;
  // A shipped design is the tool's own code: guarding it would make its functions look
  // like the variant's (widenAlphabet would add the calls that reach them).
  const shippedDesign = d === pgdLevelsDesign || d === modeAndLevelsDesign;
  return {
    ...guardedHooks(file, v),
    code: {
      ...code,
      design: shippedDesign ? d : {
        ...d,
        alloc: plain(file, "code.design.alloc", d.alloc, d),
        decode: plain(file, "code.design.decode", d.decode, d),
        kvm_riscv_mmu_update_hgatp: kernelPath(file, "code.design.kvm_riscv_mmu_update_hgatp", d.kvm_riscv_mmu_update_hgatp, d),
        prepare_pgd_levels: kernelPath(file, "code.design.prepare_pgd_levels", d.prepare_pgd_levels, d),
        mmu_map_levels: mapLevels(file, d),
      },
      kvm_vm_ioctl_enable_cap: kernelPath(file, "code.kvm_vm_ioctl_enable_cap", code.kvm_vm_ioctl_enable_cap, code),
      kvm_vm_ioctl_check_extension: kernelPath(file, "code.kvm_vm_ioctl_check_extension", code.kvm_vm_ioctl_check_extension, code),
    },
    contract: { ...contract, levelsFor: plain(file, "contract.levelsFor", contract.levelsFor, contract) },
  };
}

/** Builds the subject of `v` (loaded from `file`, an absolute path) under the target options. */
export function userVariantSubject(file: string, v: UserVariant, options: TargetOptions = {}): Subject {
  let subject: Subject;
  switch (v.target) {
    case "riscv-hgatp":
      subject = riscvHgatpSubject(guardedRiscv(file, v));
      break;
    case "arm64-memfault": {
      const g = guardedHooks(file, v);
      subject = memfaultSubject("arm64-memfault", "arm64", g, arm64ArchOps(g.gmemErrorExit) as KvmArchOps<unknown, unknown>, options);
      break;
    }
    case "x86-memfault": {
      const g = guardedHooks(file, v);
      subject = memfaultSubject("x86-memfault", "x86", g, x86ArchOps() as unknown as KvmArchOps<unknown, unknown>, options);
      break;
    }
    case "x86-caps":
      subject = x86CapsSubject(guardedHooks(file, v));
      break;
  }
  const execute = subject.execute.bind(subject);
  return {
    ...subject,
    source: file,
    // Whatever else the variant's code gets wrong (a walk() that throws, a field it
    // misreads) surfaces here: it is the file's problem.
    execute(threads, scheduler) {
      lastHook = 0;
      try {
        return execute(threads, scheduler);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        // A loop without end (the call's step budget ran out): the hook that ran last looped.
        if (e instanceof KernelPathError)
          throw new UsageError(`variant file ${file}: ${e.message}${lastHook ? ` (last in ${HOOK_NAMES[lastHook - 1]})` : ""}`);
        throw new UsageError(`variant file ${file}: running ${v.target}@${v.name} threw ${firstLine(e)}`);
      }
    },
  };
}
