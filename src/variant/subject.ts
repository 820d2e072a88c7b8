/**
 * A user variant made into a `Subject`, the way its target assembles its shipped
 * variants (riscvHgatpSubject, memfaultSubject), with guards: the author's code runs
 * inside the checker, so what goes wrong in it is reported as a problem of the file
 * (one line, exit 2), not as a crash of the tool.
 */
import { arm64ArchOps } from "../kernel/arm64/arch.js";
import type { KvmArchOps } from "../kernel/generic/arch.js";
import type { K } from "../kernel/rt/ops.js";
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

/** The first line of what was thrown. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split("\n").find((l) => l.trim())?.trim() ?? text;
}

const isIterator = (x: unknown): x is Iterator<unknown> =>
  typeof x === "object" && x !== null && typeof (x as Iterator<unknown>).next === "function";

type AnyFn = (...args: never[]) => unknown;

/**
 * The variant's kernel path `where`, checked to be a generator (a plain function that
 * returns a number would otherwise fail deep in the runtime) and with what it throws
 * named after the file and the hook.
 */
function kernelPath<F extends AnyFn>(file: string, where: string, f: F, self: unknown): F {
  return function* (...args: unknown[]): K<unknown> {
    let it: unknown;
    try {
      it = (f as unknown as (...a: unknown[]) => unknown).apply(self, args);
    } catch (e) {
      throw new UsageError(`variant file ${file}: ${where} threw ${firstLine(e)}`);
    }
    if (!isIterator(it))
      throw new UsageError(`variant file ${file}: ${where} must be a generator function (function*) that yields the runtime's ops; it returned ${typeof it}`);
    try {
      return yield* it as K<unknown>;
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(`variant file ${file}: ${where} threw ${firstLine(e)}`);
    }
  } as unknown as F;
}

/** A plain (non-generator) function of the variant, with what it throws named. */
function plain<F extends AnyFn>(file: string, where: string, f: F, self: unknown): F {
  return ((...args: unknown[]) => {
    try {
      return (f as unknown as (...a: unknown[]) => unknown).apply(self, args);
    } catch (e) {
      throw new UsageError(`variant file ${file}: ${where} threw ${firstLine(e)}`);
    }
  }) as unknown as F;
}

/**
 * The variant with every top-level hook of its target's table (by kernel name) guarded
 * as a kernel path; `gmemErrorExit` must also return gmem_abort()'s result.
 */
function guardedHooks<V extends UserVariant>(file: string, v: V): V {
  const out: Record<string, unknown> = { ...v };
  for (const h of findTarget(v.target).hooks.hooks) {
    const f = out[h.key];
    if (h.key.includes(".") || typeof f !== "function") continue;
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
        mmu_map_levels: kernelPath(file, "code.design.mmu_map_levels", d.mmu_map_levels, d),
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
      try {
        return execute(threads, scheduler);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`variant file ${file}: running ${v.target}@${v.name} threw ${firstLine(e)}`);
      }
    },
  };
}
