/*
 * Variant: pre-3e515705
 * Subject: KVM: Ensure all vcpus are consistent with in-kernel irqchip settings (the code before it)
 * Message-Id: <n/a (commit 3e515705a1f4, Linux 3.3)>
 * Date: 2012-03-05
 * List: kvm@vger.kernel.org
 * Base: x86-caps@pre-3e515705
 *
 * KVM_CREATE_IRQCHIP before commit 3e515705a1f4 (CVE-2012-1601): it refused only a
 * second irqchip, not one created after a vCPU. Written into the 6.18 code (the case of
 * kvm_arch_vm_ioctl() as a function of its own) without the created_vcpus test.
 */

static int kvm_vm_ioctl_create_irqchip(struct kvm *kvm)
{
	int r;

	mutex_lock(&kvm->lock);

	r = -EEXIST;
	if (irqchip_in_kernel(kvm))
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
create_irqchip_unlock:
	mutex_unlock(&kvm->lock);
	return r;
}
