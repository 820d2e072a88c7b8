/**
 * Targets `arm64-memfault` and `x86-memfault`: the KVM_EXIT_MEMORY_FAULT contract and
 * stale / leaked `kvm_run` exit information (kernel-facts D), at the contract reading
 * the `contract` option picks (strict by default, or doc).
 */
import { MEMFAULT_READINGS, vcpuRunReference } from "../../../model/vcpu-run.js";
import type { MemfaultReading } from "../../../model/vcpu-run.js";
import { lockdep, noDeadlock, noOops, noWarn } from "../../../properties/kernel-faults.js";
import { linearizable } from "../../../properties/linearizable.js";
import { memfaultErrno } from "../../../properties/memfault-errno.js";
import { noMemfaultLeak } from "../../../properties/no-memfault-leak.js";
import { noStaleMemfault } from "../../../properties/no-stale-memfault.js";
import type { Property } from "../../../properties/property.js";
import { arm64ArchOps } from "../../kernel/arm64/arch.js";
import { current } from "../../kernel/arm64/variants/current.js";
import { gated } from "../../kernel/arm64/variants/gated.js";
import { scrubGated } from "../../kernel/arm64/variants/scrub-gated.js";
import { scrub } from "../../kernel/arm64/variants/scrub.js";
import type { KvmArchOps } from "../../kernel/generic/arch.js";
import { kvm_create_vm } from "../../kernel/generic/kvm.js";
import type { KvmVcpu } from "../../kernel/generic/kvm.js";
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from "../../kernel/generic/set_memory_region.js";
import type { SyscallContext } from "../../kernel/generic/syscall.js";
import { sys_ioctl } from "../../kernel/generic/syscall.js";
import { makeTasks } from "../../kernel/generic/task.js";
import { x86ArchOps } from "../../kernel/x86/arch.js";
import { x86Current } from "../../kernel/x86/variants/current.js";
import { execute } from "../../kernel/rt/execution.js";
import { withCoveredOf } from "../../check/lines.js";
import type { K } from "../../kernel/rt/ops.js";
import { READ } from "../../kernel/rt/ops.js";
import { SharedState } from "../../kernel/rt/state.js";
import { DecisionScheduler } from "../../kernel/schedulers/decisions.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import { UsageError } from "../errors.js";
import type { Subject, Target, TargetOptions } from "../target.js";
import { MEMFAULT_FIXTURE, memfaultAlphabet, memfaultCallsFor, memfaultExhaustiveAlphabet } from "./alphabet.js";
import type { MemfaultVariant } from "./variant.js";
import { mainOverridesOf, widenAlphabet } from "../hooks.js";
import { arm64MemfaultHooks, x86MemfaultHooks } from "./hooks.js";

/** Threads a program may have; each gets a task that signals can reach. */
const MAX_TASKS = 8;

/** What userspace reads from `kvm_run` once KVM_RUN has returned. */
function* readKvmRun(vcpu: KvmVcpu<unknown>): K<Record<string, unknown>> {
  return {
    exit_reason: yield* READ(vcpu.run.exit_reason),
    "memory_fault.flags": yield* READ(vcpu.run.memory_fault_flags),
    "memory_fault.gpa": yield* READ(vcpu.run.memory_fault_gpa),
    "memory_fault.size": yield* READ(vcpu.run.memory_fault_size),
  };
}

export function readingOf(options: TargetOptions | undefined): MemfaultReading {
  const c = options?.contract ?? "strict";
  if (!(MEMFAULT_READINGS as readonly string[]).includes(c))
    throw new UsageError(`unknown --contract '${c}' (expected ${MEMFAULT_READINGS.join(" or ")})`);
  return c as MemfaultReading;
}

/** One memory-fault variant made ready for the explorers (also used for variants from --variant-file). */
export function memfaultSubject(
  target: string,
  arch: "arm64" | "x86",
  variant: MemfaultVariant,
  ops: KvmArchOps<unknown, unknown>,
  options: TargetOptions | undefined,
): Subject {
  const reading = readingOf(options);
  const model = vcpuRunReference({ reading, syncRegs: arch === "x86" });
  const alphabet = memfaultAlphabet(arch);
  const hooks = arch === "arm64" ? arm64MemfaultHooks : x86MemfaultHooks;
  const exhaustiveAlphabet = widenAlphabet(memfaultExhaustiveAlphabet(), hooks, variant);
  const main = mainOverridesOf(variant);
  const properties: Property[] = [memfaultErrno(reading), noStaleMemfault(reading)];
  // api.rst promises nothing about memory_fault after other errnos: strict only.
  if (reading === "strict") properties.push(noMemfaultLeak);
  properties.push(linearizable(model), lockdep, noOops, noDeadlock, noWarn);
  const unchecked =
    reading === "doc"
      ? [{ property: noMemfaultLeak.name, statement: noMemfaultLeak.statement, why: "api.rst promises nothing about memory_fault after other errnos" }]
      : [];
  return {
    target,
    variant: variant.name,
    summary: variant.summary,
    patch: variant.patch,
    alphabet,
    callsFor: (tid) => memfaultCallsFor(alphabet, tid),
    exhaustive: { alphabet: exhaustiveAlphabet, callsFor: (tid) => memfaultCallsFor(exhaustiveAlphabet, tid) },
    fixture: MEMFAULT_FIXTURE,
    ...(variant.lines ? { lines: variant.lines } : {}),
    properties,
    unchecked,
    model: model as Subject["model"],
    execute(threads, scheduler) {
      const shared = new SharedState();
      const ctx: SyscallContext<unknown, unknown> = {
        kvm: kvm_create_vm(ops, shared, { main, memslotFlags: KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD }),
        caps: UAPI_CAPS,
        tasks: makeTasks(shared, MAX_TASKS),
        hooks: {
          ...(variant.onRunReturn ? { onRunReturn: variant.onRunReturn } : {}),
          runSnapshot: readKvmRun,
        },
      };
      const ioctl = (c: typeof ctx, tid: number, call: Parameters<typeof sys_ioctl>[2]) => sys_ioctl(c, tid, call);
      const fixture = execute(ctx, shared, [MEMFAULT_FIXTURE], ioctl, new DecisionScheduler([]));
      // The variant's lines the fixture ran (its KVM_CREATE_VCPU, its memslot) count too.
      return withCoveredOf(execute(ctx, shared, threads, ioctl, scheduler), fixture);
    },
  };
}

const ARM64_VARIANTS: readonly MemfaultVariant[] = [current, scrub, gated, scrubGated];

const contractOption = { contract: MEMFAULT_READINGS };

export const arm64Memfault: Target = {
  name: "arm64-memfault",
  summary: "KVM_EXIT_MEMORY_FAULT only with -1/EFAULT or -1/EHWPOISON on arm64; no stale or leaked exit information",
  variants: ARM64_VARIANTS.map(({ name, summary, patch }) => ({ name, summary, patch })),
  options: contractOption,
  hooks: arm64MemfaultHooks,
  subject(name, options) {
    const v = ARM64_VARIANTS.find((x) => x.name === name);
    if (!v) throw new Error(`arm64-memfault has no variant ${name}`);
    return memfaultSubject("arm64-memfault", "arm64", v, arm64ArchOps(v.gmemErrorExit!) as KvmArchOps<unknown, unknown>, options);
  },
};

export const x86Memfault: Target = {
  name: "x86-memfault",
  summary: "the same contract on x86, where immediate_exit keeps exit_reason on purpose",
  variants: [x86Current].map(({ name, summary, patch }) => ({ name, summary, patch })),
  options: contractOption,
  hooks: x86MemfaultHooks,
  subject(name, options) {
    if (name !== x86Current.name) throw new Error(`x86-memfault has no variant ${name}`);
    return memfaultSubject("x86-memfault", "x86", x86Current, x86ArchOps() as unknown as KvmArchOps<unknown, unknown>, options);
  },
};
