/*
 * Variant: v8
 * Subject: [PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE
 * Message-Id: <20260403153019.9916-4-fangyu.yu@linux.alibaba.com>
 * Date: 2026-04-03
 * List: kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org
 * Base: riscv-hgatp@v8
 *
 * arch/riscv/kvm/vm.c as the patch leaves it (merged for 7.1 as 7263b4fdb0b2), the two
 * functions the model has, with the cases of caps the model does not have cut out.
 * Read from kvm-riscv/linux arch/riscv/kvm/vm.c and the patch mail.
 */

int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)
{
	int r;

	switch (ext) {
	case KVM_CAP_VM_GPA_BITS:
		if (!kvm)
			r = kvm_riscv_gstage_gpa_bits(kvm_riscv_gstage_max_pgd_levels);
		else
			r = kvm_riscv_gstage_gpa_bits(kvm->arch.pgd_levels);
		break;
	default:
		r = 0;
		break;
	}

	return r;
}

int kvm_vm_ioctl_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;

	switch (cap->cap) {
	case KVM_CAP_VM_GPA_BITS: {
		unsigned long gpa_bits = cap->args[0];
		unsigned long new_levels;
		int r = 0;

		/* Decide target pgd levels from requested gpa_bits */
#ifdef CONFIG_64BIT
		if (gpa_bits <= 41)
			new_levels = 3;        /* Sv39x4 */
		else if (gpa_bits <= 50)
			new_levels = 4;        /* Sv48x4 */
		else if (gpa_bits <= 59)
			new_levels = 5;        /* Sv57x4 */
		else
			return -EINVAL;
#else
		/* 32-bit: only Sv32x4*/
		if (gpa_bits <= 34)
			new_levels = 2;
		else
			return -EINVAL;
#endif
		if (new_levels > kvm_riscv_gstage_max_pgd_levels)
			return -EINVAL;

		/* Follow KVM's lock ordering: kvm->lock -> kvm->slots_lock. */
		mutex_lock(&kvm->lock);
		mutex_lock(&kvm->slots_lock);

		if (kvm->created_vcpus || !kvm_are_all_memslots_empty(kvm))
			r = -EBUSY;
		else
			kvm->arch.pgd_levels = new_levels;

		mutex_unlock(&kvm->slots_lock);
		mutex_unlock(&kvm->lock);

		return r;
	}
	default:
		return -EINVAL;
	}
}
