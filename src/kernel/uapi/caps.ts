/**
 * Capability numbers from include/uapi/linux/kvm.h ("Extension capability list"), the
 * one table the models, the real backend and the C reproducers use. Programs name caps; a variant
 * whose patch adds a cap (e.g. KVM_CAP_RISCV_SET_HGATP_MODE, 247 in v2 and 248 in v7)
 * supplies its own number on top of these.
 */
export const UAPI_CAPS: Readonly<Record<string, number>> = {
  KVM_CAP_IRQCHIP: 0,
  KVM_CAP_HLT: 1,
  KVM_CAP_USER_MEMORY: 3,
  KVM_CAP_NR_VCPUS: 9,
  KVM_CAP_NR_MEMSLOTS: 10,
  KVM_CAP_SET_BOOT_CPU_ID: 34,
  KVM_CAP_MAX_VCPUS: 66,
  KVM_CAP_SYNC_REGS: 74,
  KVM_CAP_SPLIT_IRQCHIP: 121,
  KVM_CAP_MAX_VCPU_ID: 128,
  KVM_CAP_X2APIC_API: 129,
  KVM_CAP_IMMEDIATE_EXIT: 136,
  KVM_CAP_X86_DISABLE_EXITS: 143,
  KVM_CAP_HALT_POLL: 182,
  KVM_CAP_X86_USER_SPACE_MSR: 188,
  KVM_CAP_DIRTY_LOG_RING: 192,
  KVM_CAP_EXIT_HYPERCALL: 201,
  KVM_CAP_VM_GPA_BITS: 207,
  KVM_CAP_DISABLE_QUIRKS2: 213,
  KVM_CAP_VM_DISABLE_NX_HUGE_PAGES: 220,
  KVM_CAP_DIRTY_LOG_RING_ACQ_REL: 223,
  KVM_CAP_USER_MEMORY2: 231,
  KVM_CAP_MEMORY_FAULT_INFO: 232,
  KVM_CAP_MEMORY_ATTRIBUTES: 233,
  KVM_CAP_GUEST_MEMFD: 234,
  KVM_CAP_VM_TYPES: 235,
  KVM_CAP_X86_APIC_BUS_CYCLES_NS: 237,
};

/** A cap's number: a name from the table, or a number as it is. Unknown names are a program error. */
export function capNumber(caps: Readonly<Record<string, number>>, cap: unknown): number {
  if (typeof cap === "number") return cap;
  const n = typeof cap === "string" ? caps[cap] : undefined;
  if (n === undefined) throw new ProgramError(`unknown capability ${String(cap)}`);
  return n;
}

/** A program that cannot run as written (unknown cap, malformed call): bad input, exit 2. */
export class ProgramError extends Error {
  override name = "ProgramError";
}
