/**
 * The generic halves of `KVM_ENABLE_CAP` and `KVM_CHECK_EXTENSION` on a VM fd
 * (virt/kvm/kvm_main.c, 6.18: `kvm_vm_ioctl_enable_cap_generic()`,
 * `kvm_vm_ioctl_enable_dirty_log_ring()`, `kvm_vm_ioctl_check_extension_generic()`),
 * as far as the models' caps reach. Everything else goes to the arch hook, with no
 * lock held (kernel-facts C.3).
 *
 * The generic cases apply to targets that declare their arch constants
 * (`ops.config`); the older targets keep dispatching straight to the arch.
 */
import type { K } from "../rt/ops.js";
import { READ, WRITE, mutex_lock, mutex_unlock } from "../rt/ops.js";
import { E2BIG, EINVAL } from "../uapi/errno.js";
import { UAPI_CAPS } from "../uapi/caps.js";
import type { KvmEnableCap } from "./arch.js";
import type { Kvm } from "./kvm.js";
import { PAGE_SIZE } from "./kvm.js";

/** `KVM_DIRTY_RING_MAX_ENTRIES` (include/linux/kvm_dirty_ring.h). */
export const KVM_DIRTY_RING_MAX_ENTRIES = 65536;
/** `sizeof(struct kvm_dirty_gfn)` (flags, slot, offset). */
export const SIZEOF_KVM_DIRTY_GFN = 16;
/**
 * `kvm_dirty_ring_get_rsvd_entries(kvm)`: KVM_DIRTY_RING_RSVD_ENTRIES (64) plus
 * `kvm_cpu_dirty_log_size(kvm)`, 0 without PML (the PVM host has no VMX): 64 entries
 * of 16 bytes, below the PAGE_SIZE floor, so PAGE_SIZE decides.
 */
export const KVM_DIRTY_RING_RSVD_ENTRIES = 64;

const CAP = UAPI_CAPS;

/** `kvm_vm_ioctl_check_extension_generic(kvm, arg)`; `kvm` is null on /dev/kvm. */
export function* kvm_vm_ioctl_check_extension_generic<A, VA>(ops: Kvm<A, VA>["ops"], kvm: Kvm<A, VA> | null, arg: number): K<number> {
  const config = ops.config;
  if (config) {
    switch (arg) {
      case CAP.KVM_CAP_NR_MEMSLOTS:
        return config.KVM_USER_MEM_SLOTS;
      case CAP.KVM_CAP_DIRTY_LOG_RING:
        // #ifdef CONFIG_HAVE_KVM_DIRTY_RING_TSO
        return config.dirtyRing?.tso ? KVM_DIRTY_RING_MAX_ENTRIES * SIZEOF_KVM_DIRTY_GFN : 0;
      case CAP.KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
        // #ifdef CONFIG_HAVE_KVM_DIRTY_RING_ACQ_REL
        return config.dirtyRing?.acqRel ? KVM_DIRTY_RING_MAX_ENTRIES * SIZEOF_KVM_DIRTY_GFN : 0;
    }
  }
  return yield* ops.kvm_vm_ioctl_check_extension(kvm, arg);
}

/**
 * `kvm_vm_ioctl_enable_dirty_log_ring(kvm, size)`. The set-once check reads
 * `kvm->dirty_ring_size` *before* taking `kvm->lock`; only the vCPU check and the
 * store are under the lock. Two concurrent enables can both pass the first check.
 */
export function* kvm_vm_ioctl_enable_dirty_log_ring<A, VA>(kvm: Kvm<A, VA>, size: number): K<number> {
  const dirty_ring_size = kvm.dirty_ring_size!;
  // if (!KVM_DIRTY_LOG_PAGE_OFFSET) return -EINVAL;  (x86: 64)
  size = size >>> 0; // the parameter is a u32
  /* the size should be power of 2 */
  if (!size || size & (size - 1)) return -EINVAL;
  /* Should be bigger to keep the reserved entries, or a page */
  if (size < KVM_DIRTY_RING_RSVD_ENTRIES * SIZEOF_KVM_DIRTY_GFN || size < PAGE_SIZE) return -EINVAL;
  if (size > KVM_DIRTY_RING_MAX_ENTRIES * SIZEOF_KVM_DIRTY_GFN) return -E2BIG;
  /* We only allow it to set once */
  if (yield* READ(dirty_ring_size)) return -EINVAL;

  yield* mutex_lock(kvm.lock);
  let r: number;
  if (yield* READ(kvm.created_vcpus)) {
    /* We don't allow to change this value after vcpu created */
    r = -EINVAL;
  } else {
    yield* WRITE(dirty_ring_size, size);
    r = 0;
  }
  yield* mutex_unlock(kvm.lock);
  return r;
}

/** `kvm_vm_ioctl_enable_cap_generic()`: the dirty-ring caps here, the rest to the arch, with no lock held. */
export function* kvm_vm_ioctl_enable_cap_generic<A, VA>(kvm: Kvm<A, VA>, cap: KvmEnableCap): K<number> {
  if (kvm.ops.config) {
    switch (cap.cap) {
      case CAP.KVM_CAP_DIRTY_LOG_RING:
      case CAP.KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
        // No flags check here: the ring caps accept any flags (kernel-facts H).
        if (!(yield* kvm_vm_ioctl_check_extension_generic(kvm.ops, kvm, cap.cap))) return -EINVAL;
        // A variant's kvm_vm_ioctl_enable_dirty_log_ring() (kvm.main) runs in place of the shipped one.
        return yield* (kvm.main.kvm_vm_ioctl_enable_dirty_log_ring ?? kvm_vm_ioctl_enable_dirty_log_ring)(kvm, cap.args[0] ?? 0);
    }
  }
  return yield* kvm.ops.kvm_vm_ioctl_enable_cap(kvm, cap);
}
