/*
 * Variant: v7
 * Subject: [PATCH v7 4/4] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE
 * Message-Id: <20260402132303.6252-5-fangyu.yu@linux.alibaba.com>
 * Date: 2026-04-02
 * List: kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org
 * Base: riscv-hgatp@v7
 *
 * arch/riscv/kvm/vm.c after v7 4/4 (with 3/4's mode check and 1/4's per-VM pgd_levels),
 * the two functions the model has. The mail's text was not in the stored sources: this
 * is the code as kernel-facts A.6 records it (the checks with no lock, cap 248) and as
 * v7.ts transcribes it.
 */

/* include/uapi/linux/kvm.h */
#define KVM_CAP_RISCV_SET_HGATP_MODE 248

/* 3/4, arch/riscv/include/asm/kvm_gstage.h */
static inline bool kvm_riscv_hgatp_mode_is_valid(unsigned long mode)
{
	if (mode >= BITS_PER_LONG)
		return false;
	return kvm_riscv_gstage_supported_mode_mask & BIT(mode);
}

int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)
{
	int r;

	switch (ext) {
	case KVM_CAP_VM_GPA_BITS:
		r = kvm_riscv_gstage_gpa_bits(kvm->arch.pgd_levels);
		break;
	case KVM_CAP_RISCV_SET_HGATP_MODE:
		r = kvm_riscv_gstage_supported_mode_mask;
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
	case KVM_CAP_RISCV_SET_HGATP_MODE: {
		unsigned long mode = cap->args[0];

		if (!kvm_riscv_hgatp_mode_is_valid(mode))
			return -EINVAL;

		if (kvm->created_vcpus || !kvm_are_all_memslots_empty(kvm))
			return -EBUSY;

#ifdef CONFIG_64BIT
		kvm->arch.pgd_levels = 3 + mode - HGATP_MODE_SV39X4;
#else
		kvm->arch.pgd_levels = 2;
#endif
		return 0;
	}
	default:
		return -EINVAL;
	}
}
