/** `kvm_run->exit_reason` values (include/uapi/linux/kvm.h). */
export const KVM_EXIT_UNKNOWN = 0;
export const KVM_EXIT_IO = 2;
export const KVM_EXIT_HLT = 5;
export const KVM_EXIT_MMIO = 6;
export const KVM_EXIT_INTR = 10;
export const KVM_EXIT_INTERNAL_ERROR = 17;
export const KVM_EXIT_MEMORY_FAULT = 39;

/** `kvm_run->memory_fault.flags` */
export const KVM_MEMORY_EXIT_FLAG_PRIVATE = 1 << 3;

const NAMES: Record<number, string> = {
  [KVM_EXIT_UNKNOWN]: "KVM_EXIT_UNKNOWN",
  [KVM_EXIT_IO]: "KVM_EXIT_IO",
  [KVM_EXIT_HLT]: "KVM_EXIT_HLT",
  [KVM_EXIT_MMIO]: "KVM_EXIT_MMIO",
  [KVM_EXIT_INTR]: "KVM_EXIT_INTR",
  [KVM_EXIT_INTERNAL_ERROR]: "KVM_EXIT_INTERNAL_ERROR",
  [KVM_EXIT_MEMORY_FAULT]: "KVM_EXIT_MEMORY_FAULT",
};

export function exitName(reason: number): string {
  return NAMES[reason] ?? `exit ${reason}`;
}
