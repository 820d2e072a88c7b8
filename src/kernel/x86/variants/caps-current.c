/*
 * Variant: current
 * Subject: arch/x86/kvm/x86.c and virt/kvm/kvm_main.c as merged (Linux 6.18)
 * Message-Id: <n/a (merged code; read from kvm-x86/linux 042007c262e5)>
 * Date: 2025-11-30
 * List: kvm@vger.kernel.org
 * Base: x86-caps@current
 *
 * The KVM_CREATE_IRQCHIP case of arch/x86/kvm/x86.c kvm_arch_vm_ioctl() (as a function of
 * its own, the hook's kernel name) and virt/kvm/kvm_main.c
 * kvm_vm_ioctl_enable_dirty_log_ring(), as merged: the dirty ring's "set once" test reads
 * kvm->dirty_ring_size before mutex_lock(&kvm->lock).
 */

static int kvm_vm_ioctl_create_irqchip(struct kvm *kvm)
{
	int r;

	mutex_lock(&kvm->lock);

	r = -EEXIST;
	if (irqchip_in_kernel(kvm))
		goto create_irqchip_unlock;

	r = -EINVAL;
	if (kvm->created_vcpus)
		goto create_irqchip_unlock;

	r = kvm_pic_init(kvm);
	if (r)
		goto create_irqchip_unlock;

	r = kvm_ioapic_init(kvm);
	if (r) {
		kvm_pic_destroy(kvm);
		goto create_irqchip_unlock;
	}

	r = kvm_setup_default_ioapic_and_pic_routing(kvm);
	if (r) {
		kvm_ioapic_destroy(kvm);
		kvm_pic_destroy(kvm);
		goto create_irqchip_unlock;
	}
	/* Write kvm->irq_routing before enabling irqchip_in_kernel. */
	smp_wmb();
	kvm->arch.irqchip_mode = KVM_IRQCHIP_KERNEL;
	kvm_clear_apicv_inhibit(kvm, APICV_INHIBIT_REASON_ABSENT);
create_irqchip_unlock:
	mutex_unlock(&kvm->lock);
	return r;
}

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

	/* We only allow it to set once */
	if (kvm->dirty_ring_size)
		return -EINVAL;

	mutex_lock(&kvm->lock);

	if (kvm->created_vcpus) {
		/* We don't allow to change this value after vcpu created */
		r = -EINVAL;
	} else {
		kvm->dirty_ring_size = size;
		r = 0;
	}

	mutex_unlock(&kvm->lock);
	return r;
}
