/**
 * `kvm-ordercheck/variant`: what a variant file imports. The interface
 * (`defineVariant` and the types of each target's part), the runtime ops kernel paths
 * yield (READ, WRITE, mutex_lock, ...), errno and uapi constants, the helpers the shipped
 * variants are written with, and the shipped variants themselves (to start from one).
 * docs/writing-a-variant.md walks through writing one from a patch.
 */
export { defineVariant, VARIANT_TARGETS } from "./interface.js";
export type { Arm64MemfaultUserVariant, RiscvHgatpUserVariant, UserVariant, VariantTarget, X86CapsUserVariant, X86MemfaultUserVariant } from "./interface.js";
export type { PatchRef, VariantLines } from "../targets/patch.js";

// The runtime: a kernel path is a generator (`function*`) yielding these ops; each
// yield of READ/WRITE/RMW/mutex_lock/mutex_unlock is a point where another thread may run.
export { READ, RMW, WAIT_UNTIL, WARN_ON_ONCE, WRITE, choose, cover, lockdep_assert_held, mutex_lock, mutex_unlock, observe, oops } from "../kernel/rt/ops.js";
export type { K } from "../kernel/rt/ops.js";
export type { Cell, Mutex, SharedState } from "../kernel/rt/state.js";
export * from "../kernel/uapi/errno.js";
export * from "../kernel/uapi/exits.js";
export { UAPI_CAPS } from "../kernel/uapi/caps.js";

// Generic KVM (virt/kvm/kvm_main.c and include/linux/kvm_host.h) as the models transcribe it.
export type { Kvm, KvmMemorySlot, KvmRun, KvmVcpu } from "../kernel/generic/kvm.js";
export { PAGE_SIZE, PAGE_SHIFT } from "../kernel/generic/kvm.js";
export type { KvmEnableCap } from "../kernel/generic/arch.js";
export type { KvmMainOverrides } from "../kernel/generic/kvm.js";
export {
  __kvm_set_memory_region,
  check_memory_region_flags,
  kvm_are_all_memslots_empty,
  kvm_set_memory_region,
  kvm_set_memslot,
} from "../kernel/generic/set_memory_region.js";
export type { KvmUserspaceMemoryRegion } from "../kernel/generic/set_memory_region.js";
export { kvm_get_vcpu_by_id, kvm_vm_ioctl_create_vcpu } from "../kernel/generic/create_vcpu.js";
export {
  KVM_DIRTY_RING_MAX_ENTRIES,
  KVM_DIRTY_RING_RSVD_ENTRIES,
  SIZEOF_KVM_DIRTY_GFN,
  kvm_vm_ioctl_enable_dirty_log_ring,
} from "../kernel/generic/enable_cap.js";
export { kvm_prepare_memory_fault_exit } from "../kernel/generic/memory_fault.js";
export type { RunReturnHook } from "../kernel/generic/vcpu_ioctl.js";

// riscv-hgatp: the two g-stage designs of the series and arch/riscv/include/asm/kvm_gstage.h.
export type { GstageDesign, RiscvHgatpVariantCode, RiscvKvm, RiscvVcpu } from "../kernel/riscv/design.js";
export { pgdLevelsDesign, kvm_riscv_gstage_mode } from "../kernel/riscv/pgd-levels.js";
export type { PgdLevelsFields } from "../kernel/riscv/pgd-levels.js";
export { modeAndLevelsDesign } from "../kernel/riscv/mode-and-levels.js";
export type { ModeAndLevelsFields } from "../kernel/riscv/mode-and-levels.js";
export * from "../kernel/riscv/gstage.js";
export type { GstageCapContract } from "../../model/gstage-contract.js";

// x86-caps: x86.c's before-vCPU paths as Linux 6.18 has them (the defaults a variant replaces).
export {
  KVM_IRQCHIP_KERNEL,
  KVM_IRQCHIP_NONE,
  KVM_IRQCHIP_SPLIT,
  irqchip_in_kernel,
  irqchip_split,
  kvm_arch_prepare_memory_region,
  kvm_arch_vcpu_create,
  kvm_arch_vcpu_precreate,
  kvm_vm_ioctl_check_extension as x86_kvm_vm_ioctl_check_extension,
  kvm_vm_ioctl_create_irqchip,
  kvm_vm_ioctl_enable_cap as x86_kvm_vm_ioctl_enable_cap,
  kvm_vm_ioctl_set_boot_cpu_id,
} from "../kernel/x86/caps.js";
export type { X86CapsCode, X86CapsKvm, X86CapsKvmArch, X86CapsVcpuArch } from "../kernel/x86/caps.js";

// arm64-memfault / x86-memfault.
export type { Arm64Vcpu, GmemErrorExit } from "../kernel/arm64/arch.js";
export { kvm_prepare_memory_fault_exit_gated } from "../kernel/arm64/variants/gated.js";
export { scrubExitReason } from "../kernel/arm64/variants/scrub.js";

import { current as arm64Current } from "../kernel/arm64/variants/current.js";
import { gated } from "../kernel/arm64/variants/gated.js";
import { scrubGated } from "../kernel/arm64/variants/scrub-gated.js";
import { scrub } from "../kernel/arm64/variants/scrub.js";
import { v2 } from "../kernel/riscv/variants/v2.js";
import { v7 } from "../kernel/riscv/variants/v7.js";
import { v8 } from "../kernel/riscv/variants/v8.js";
import { x86Current } from "../kernel/x86/variants/current.js";
import { x86CapsCurrent } from "../kernel/x86/variants/caps-current.js";
import { x86CapsPre3e515705 } from "../kernel/x86/variants/caps-pre-3e515705.js";

/** The shipped variants, by target and name: a new version usually starts as `{ ...shipped["riscv-hgatp"].v8, ... }`. */
export const shipped = {
  "riscv-hgatp": { v2, v7, v8 },
  "arm64-memfault": { current: arm64Current, scrub, gated, "scrub+gated": scrubGated },
  "x86-memfault": { current: x86Current },
  "x86-caps": { current: x86CapsCurrent, "pre-3e515705": x86CapsPre3e515705 },
} as const;
