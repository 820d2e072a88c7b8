/**
 * The calls memory-fault programs are made of, and the fixture every program starts
 * from (as a selftest's `vm_create_with_one_vcpu()` plus a guest_memfd memslot).
 *
 * Thread 0 is the vCPU thread: api.rst wants vCPU ioctls from one thread, and two
 * threads writing the shared `kvm_run` fields (immediate_exit) before their KVM_RUNs
 * would be a userspace race, not a kernel one. The other threads signal it and change
 * the memslot.
 */
import type { Call } from "../../kernel/rt/trace.js";
import { KVM_MEM_GUEST_MEMFD } from "../../kernel/generic/set_memory_region.js";

const MiB = 2 ** 20;

const gmemSlot = (size: number): Call => ({
  ioctl: "KVM_SET_USER_MEMORY_REGION2",
  fd: "vm",
  slot: 0,
  flags: KVM_MEM_GUEST_MEMFD,
  guest_phys_addr: 0,
  memory_size: size,
  userspace_addr: 2 ** 32,
  guest_memfd: 0,
});

export const MEMFAULT_FIXTURE: readonly Call[] = [{ ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 }, gmemSlot(2 * MiB)];

/** KVM_RUN on vCPU 0 with a guest (null: no guest code runs) and immediate_exit. */
export const run = (guest: string | null, immediate_exit = 0, extra: Record<string, unknown> = {}): Call => ({
  ioctl: "KVM_RUN",
  fd: { vcpu: 0 },
  immediate_exit,
  guest,
  ...extra,
});

const kickVcpuThread: Call = { ioctl: "pthread_kill", thread: 0 };

/** Calls the hook tables (hooks.ts) name: the paths a variant may replace are reached by these. */
export const MEMFAULT_CALLS = {
  run: run("gmem"),
  /** vCPU 0 is the fixture's: another thread creates vCPU 1. */
  createVcpu: { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 1 } as Call,
  /** Deletes the fixture's guest_memfd slot. */
  memslot: gmemSlot(0),
} as const;

export function memfaultAlphabet(arch: "arm64" | "x86"): Call[] {
  return [
    run("gmem"),
    run(null, 1),
    run("mmio"),
    kickVcpuThread,
    run("none"),
    gmemSlot(0),
    gmemSlot(2 * MiB),
    ...(arch === "x86" ? [run("gmem", 0, { kvm_valid_regs: 0x8 })] : []),
  ];
}

/** Which alphabet entries thread `tid` may use: KVM_RUN only on thread 0. */
export function memfaultCallsFor(alphabet: readonly Call[], tid: number): number[] {
  return alphabet.flatMap((c, k) => ((c.ioctl === "KVM_RUN") === (tid === 0) || c === kickVcpuThread ? [k] : []));
}

/**
 * Exhaustive mode's alphabet: the vCPU thread's guest_memfd run and immediate exit
 * (kvm_gmem_get_pfn()'s every result is a choice point, so each run branches over
 * them), and another thread's signal to it.
 */
export function memfaultExhaustiveAlphabet(): Call[] {
  return [run("gmem"), run(null, 1), kickVcpuThread];
}
