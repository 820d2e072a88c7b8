/**
 * An example x86-caps variant: a fix of the dirty ring's set-once race the checker finds
 * in Linux 6.18. virt/kvm/kvm_main.c kvm_vm_ioctl_enable_dirty_log_ring() tests
 * kvm->dirty_ring_size ("We only allow it to set once") before mutex_lock(&kvm->lock),
 * so two concurrent KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING) calls can both pass it and
 * both succeed. The fix moves the test under kvm->lock, beside the created_vcpus test.
 *
 *   kvm-ordercheck check x86-caps --variant-file docs/examples/x86-dirty-ring-fix.ts
 *
 * Not posted: written here as the example of replacing a kvm_main.c path by its kernel
 * name (docs/writing-a-variant.md, "Every target's hooks").
 */
import {
  E2BIG,
  EINVAL,
  KVM_DIRTY_RING_MAX_ENTRIES,
  KVM_DIRTY_RING_RSVD_ENTRIES,
  PAGE_SIZE,
  READ,
  SIZEOF_KVM_DIRTY_GFN,
  WRITE,
  defineVariant,
  mutex_lock,
  mutex_unlock,
} from "kvm-ordercheck/variant";

export default defineVariant({
  target: "x86-caps",
  name: "dirty-ring-fix",
  summary: "kvm_vm_ioctl_enable_dirty_log_ring() tests kvm->dirty_ring_size under kvm->lock",
  patch: {
    title: "KVM: Test dirty_ring_size under kvm->lock in kvm_vm_ioctl_enable_dirty_log_ring() (example, not posted)",
    list: "kvm@vger.kernel.org",
    date: "2026-11-29",
    messageId: "n/a (an example fix, not posted)",
  },
  *kvm_vm_ioctl_enable_dirty_log_ring(kvm, size) {
    size = size >>> 0; // u32
    /* the size should be power of 2 */
    if (!size || size & (size - 1)) return -EINVAL;
    /* Should be bigger to keep the reserved entries, or a page */
    if (size < KVM_DIRTY_RING_RSVD_ENTRIES * SIZEOF_KVM_DIRTY_GFN || size < PAGE_SIZE) return -EINVAL;
    if (size > KVM_DIRTY_RING_MAX_ENTRIES * SIZEOF_KVM_DIRTY_GFN) return -E2BIG;

    yield* mutex_lock(kvm.lock);
    let r: number;
    /* We only allow it to set once: tested under kvm->lock, so two enables cannot both pass */
    if (yield* READ(kvm.dirty_ring_size!)) r = -EINVAL;
    /* We don't allow to change this value after vcpu created */
    else if (yield* READ(kvm.created_vcpus)) r = -EINVAL;
    else {
      yield* WRITE(kvm.dirty_ring_size!, size);
      r = 0;
    }
    yield* mutex_unlock(kvm.lock);
    return r;
  },
});
