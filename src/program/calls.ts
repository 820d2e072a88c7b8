/**
 * The calls programs are made of, built by the kernel's names for their arguments
 * (`struct kvm_enable_cap`, `struct kvm_userspace_memory_region`), once for every
 * alphabet and test.
 */
import type { Call } from "../kernel/rt/trace.js";

/** KVM_ENABLE_CAP on the VM fd: `cap` is the kernel's name (`KVM_CAP_...`). */
export const enableCap = (cap: string, args: readonly number[], flags = 0): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap, flags, args });

export const createVcpu = (id: number): Call => ({ ioctl: "KVM_CREATE_VCPU", fd: "vm", id });

export const checkExtension = (cap: string, fd: "vm" | "system" = "vm"): Call => ({ ioctl: "KVM_CHECK_EXTENSION", fd, cap });

/** KVM_SET_USER_MEMORY_REGION: memory_size 0 deletes the slot. */
export const setMemoryRegion = (slot: number, guest_phys_addr: number, memory_size: number, userspace_addr: number, flags = 0): Call => ({
  ioctl: "KVM_SET_USER_MEMORY_REGION",
  fd: "vm",
  slot,
  flags,
  guest_phys_addr,
  memory_size,
  userspace_addr,
});
