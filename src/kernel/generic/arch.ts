/**
 * The arch hooks the generic paths call (`kvm_arch_*`, `kvm_vm_ioctl_enable_cap`, ...).
 * A target implements them for its arch; a variant replaces the ones its patch changes.
 */
import type { K } from "../rt/ops.js";
import type { SharedState } from "../rt/state.js";
import type { Call } from "../rt/trace.js";
import type { Kvm, KvmMemorySlot, KvmVcpu } from "./kvm.js";

/** `enum kvm_mr_change` */
export type KvmMrChange = "KVM_MR_CREATE" | "KVM_MR_DELETE" | "KVM_MR_MOVE" | "KVM_MR_FLAGS_ONLY";

/** `struct kvm_enable_cap` */
export interface KvmEnableCap {
  readonly cap: number;
  readonly flags: number;
  readonly args: readonly number[];
}

/**
 * Arch constants the generic paths check against (include/linux/kvm_host.h and the
 * arch's asm/kvm_host.h). A target that leaves them out gets the generic defaults
 * (`KVM_MAX_VCPU_IDS` / `KVM_MEM_SLOTS_NUM` in kvm.ts) and no dirty ring, as before.
 */
export interface KvmArchConfig {
  /** `KVM_MAX_VCPU_IDS`: kvm_vm_ioctl_create_vcpu() rejects ids at or above it. */
  readonly KVM_MAX_VCPU_IDS: number;
  /** `KVM_USER_MEM_SLOTS` (KVM_MEM_SLOTS_NUM - KVM_INTERNAL_MEM_SLOTS). */
  readonly KVM_USER_MEM_SLOTS: number;
  /** CONFIG_HAVE_KVM_DIRTY_RING_TSO / _ACQ_REL: which dirty-ring caps the arch has (absent: none). */
  readonly dirtyRing?: { readonly tso: boolean; readonly acqRel: boolean };
}

export interface KvmArchOps<A, VA> {
  /** Arch constants; absent for the targets written before they were needed. */
  readonly config?: KvmArchConfig;
  /** `kvm_arch_init_vm()`: the arch part of `struct kvm`, before the VM is visible. */
  kvm_arch_init_vm(shared: SharedState): A;
  /** The arch part of `struct kvm_vcpu` (allocation only). */
  kvm_vcpu_arch_alloc(shared: SharedState, name: string): VA;
  /** Called under `kvm->lock` before `created_vcpus++`. */
  kvm_arch_vcpu_precreate(kvm: Kvm<A, VA>, id: number): K<number>;
  /** Called without `kvm->lock`, after `created_vcpus++`. */
  kvm_arch_vcpu_create(vcpu: KvmVcpu<VA>): K<number>;
  kvm_arch_vcpu_postcreate(vcpu: KvmVcpu<VA>): K<void>;
  /** Called under `slots_lock` and `slots_arch_lock`. */
  kvm_arch_prepare_memory_region(
    kvm: Kvm<A, VA>,
    old: KvmMemorySlot | null,
    new_: KvmMemorySlot | null,
    change: KvmMrChange,
  ): K<number>;
  /** Called under `slots_lock`, after the new memslots are published. */
  kvm_arch_commit_memory_region(
    kvm: Kvm<A, VA>,
    old: KvmMemorySlot | null,
    new_: KvmMemorySlot | null,
    change: KvmMrChange,
  ): K<void>;
  /** The arch `KVM_ENABLE_CAP`: the generic dispatcher calls it with no lock held. */
  kvm_vm_ioctl_enable_cap(kvm: Kvm<A, VA>, cap: KvmEnableCap): K<number>;
  /** `KVM_CHECK_EXTENSION`; `kvm` is null when asked on `/dev/kvm`. */
  kvm_vm_ioctl_check_extension(kvm: Kvm<A, VA> | null, ext: number): K<number>;
  /** `kvm_arch_vm_ioctl()`: VM ioctls the generic `kvm_vm_ioctl()` does not know (-ENOTTY when absent). */
  kvm_arch_vm_ioctl?(kvm: Kvm<A, VA>, call: Call): K<number>;
  /** `kvm_arch_vcpu_ioctl_run()`, called with `vcpu->mutex` held. */
  kvm_arch_vcpu_ioctl_run(vcpu: KvmVcpu<VA>): K<number>;
}
