/*
 * Variant: dirty-ring-fix-c
 * Subject: KVM: Test dirty_ring_size under kvm->lock in kvm_vm_ioctl_enable_dirty_log_ring() (example, not posted)
 * List: kvm@vger.kernel.org
 *
 * A fix, in C, of the dirty ring's set-once race the checker finds in Linux 6.18:
 * virt/kvm/kvm_main.c tests kvm->dirty_ring_size ("We only allow it to set once") before
 * mutex_lock(&kvm->lock), so two concurrent KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING) calls
 * can both pass it and both succeed. The fix moves the test under kvm->lock.
 *
 *   kvm-ordercheck check x86-caps --variant-file docs/examples/x86-dirty-ring-fix.c
 */

static int kvm_vm_ioctl_enable_dirty_log_ring(struct kvm *kvm, u32 size)
{
	int r;

	if (!KVM_DIRTY_LOG_PAGE_OFFSET)
		return -EINVAL;

	/* the size should be power of 2 */
	if (!size || (size & (size - 1)))
		return -EINVAL;

	/* Should be bigger to keep the reserved entries, or a page */
	if (size < kvm_dirty_ring_get_rsvd_entries(kvm) *
	    sizeof(struct kvm_dirty_gfn) || size < PAGE_SIZE)
		return -EINVAL;

	if (size > KVM_DIRTY_RING_MAX_ENTRIES *
	    sizeof(struct kvm_dirty_gfn))
		return -E2BIG;

	mutex_lock(&kvm->lock);

	if (kvm->dirty_ring_size) {
		/* We only allow it to set once */
		r = -EINVAL;
	} else if (kvm->created_vcpus) {
		/* We don't allow to change this value after vcpu created */
		r = -EINVAL;
	} else {
		kvm->dirty_ring_size = size;
		r = 0;
	}

	mutex_unlock(&kvm->lock);
	return r;
}
