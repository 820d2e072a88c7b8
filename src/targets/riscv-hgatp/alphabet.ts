/**
 * The calls riscv-hgatp programs are made of: the version's cap with valid, boundary
 * and invalid arguments, vCPU creation, memslots inside and beyond each mode's GPA
 * space, KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS) on the VM and on /dev/kvm, and
 * KVM_RUN with a guest that touches RAM (a g-stage fault) or nothing.
 */
import type { Call } from "../../kernel/rt/trace.js";
import { setMemoryRegion } from "../../program/calls.js";
import type { RiscvHgatpVariant } from "./variant.js";

const MiB = 2 ** 20;
/** Page-aligned userspace addresses, one per slot, so that re-creating a slot is a no-op. */
const uaddr = (slot: number) => 2 ** 32 * (slot + 1);

const memslot = (slot: number, gpa: number, size = 2 * MiB, flags = 0): Call => setMemoryRegion(slot, gpa, size, uaddr(slot), flags);

export function riscvHgatpAlphabet(variant: RiscvHgatpVariant): Call[] {
  const cap = variant.contract.cap;
  const [first, ...rest] = variant.capArgs;
  return [
    { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap, flags: 0, args: [first!] },
    { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 },
    memslot(0, 0),
    { ioctl: "KVM_RUN", fd: { vcpu: 0 }, guest: 0 },
    { ioctl: "KVM_CHECK_EXTENSION", fd: "vm", cap: "KVM_CAP_VM_GPA_BITS" },
    ...rest.map((a): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap, flags: 0, args: [a] })),
    { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 1 },
    // Beyond Sv39x4's 2^41, inside Sv48x4's 2^50; beyond Sv48x4, inside Sv57x4.
    memslot(1, 2 ** 45),
    memslot(1, 2 ** 52),
    // Ends exactly at 2^41: the kernel's >= check rejects it under Sv39x4.
    memslot(0, 2 ** 41 - 2 * MiB),
    { ...memslot(0, 0), memory_size: 0 },
    { ioctl: "KVM_RUN", fd: { vcpu: 0 }, guest: null },
    { ioctl: "KVM_RUN", fd: { vcpu: 1 }, guest: 2 ** 45 },
    { ioctl: "KVM_CHECK_EXTENSION", fd: "system", cap: "KVM_CAP_VM_GPA_BITS" },
    { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap, flags: 1, args: [first!] },
    { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 1024 },
    memslot(2, 0x800),
  ];
}

/** Calls the hook table (hooks.ts) names: the paths a variant supplies are reached by these. */
export const RISCV_HGATP_CALLS = {
  createVcpu: { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 } as Call,
  memslot: memslot(1, 2 ** 45),
  checkVm: { ioctl: "KVM_CHECK_EXTENSION", fd: "vm", cap: "KVM_CAP_VM_GPA_BITS" } as Call,
  checkSystem: { ioctl: "KVM_CHECK_EXTENSION", fd: "system", cap: "KVM_CAP_VM_GPA_BITS" } as Call,
  /** vCPU 0's guest loads from the memslot above: vcpu_load's hgatp, then a g-stage fault. */
  runFault: { ioctl: "KVM_RUN", fd: { vcpu: 0 }, guest: 2 ** 45 } as Call,
} as const;

/**
 * Exhaustive mode's alphabet: the calls whose order the contract is about, one
 * argument each: the cap with a valid argument that lowers the mode, the first vCPU,
 * and a memslot inside Sv48x4's GPA space but beyond Sv39x4's. Enough for every
 * documented outcome (accepted, -EBUSY for a vCPU or a memslot, -EFAULT for the slot
 * once the mode is lower) and for every race the series had.
 */
export function riscvHgatpExhaustiveAlphabet(variant: RiscvHgatpVariant): Call[] {
  return [
    { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: variant.contract.cap, flags: 0, args: [variant.capArgs[0]!] },
    RISCV_HGATP_CALLS.createVcpu,
    RISCV_HGATP_CALLS.memslot,
  ];
}
