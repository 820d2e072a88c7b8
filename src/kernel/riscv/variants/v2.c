/*
 * Variant: v2
 * Subject: [PATCH v2] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE
 * Message-Id: <20260105143232.76715-3-fangyu.yu@linux.alibaba.com>
 * Date: 2026-01-05
 * List: kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org
 * Base: riscv-hgatp@v2
 *
 * arch/riscv/kvm/vm.c after v2 2/2 (with 1/2's per-VM mode and levels fields), the two
 * functions the model has, and 1/2's kvm_riscv_gstage_gpa_bits(). The mail's text was
 * not in the stored sources: this is the code as kernel-facts A.2 records it (no lock,
 * no vCPU or memslot check, a second set returns 0, cap 247) and as v2.ts transcribes it.
 */

/* include/uapi/linux/kvm.h */
#define KVM_CAP_RISCV_SET_HGATP_MODE 247

/* 1/2, arch/riscv/include/asm/kvm_gstage.h */
static inline unsigned long kvm_riscv_gstage_gpa_bits(struct kvm_arch *ka)
{
	return (HGATP_PAGE_SHIFT +
		ka->kvm_riscv_gstage_pgd_levels * kvm_riscv_gstage_index_bits +
		kvm_riscv_gstage_pgd_xbits);
}

int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)
{
	int r;

	switch (ext) {
	case KVM_CAP_VM_GPA_BITS:
		r = kvm_riscv_gstage_gpa_bits(&kvm->arch);
		break;
	case KVM_CAP_RISCV_SET_HGATP_MODE:
#ifdef CONFIG_64BIT
		r = 1;
#else
		r = 0;
#endif
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
	case KVM_CAP_RISCV_SET_HGATP_MODE:
#ifdef CONFIG_64BIT
		if (cap->args[0] < HGATP_MODE_SV39X4 ||
		    cap->args[0] > kvm_riscv_gstage_max_mode)
			return -EINVAL;
#else
		if (cap->args[0] != HGATP_MODE_SV32X4)
			return -EINVAL;
#endif
		if (kvm->arch.gstage_mode_initialized)
			return 0;
		kvm->arch.gstage_mode_initialized = true;
		kvm->arch.kvm_riscv_gstage_mode = cap->args[0];
		kvm->arch.kvm_riscv_gstage_pgd_levels = 3 + cap->args[0] - HGATP_MODE_SV39X4;
		return 0;
	default:
		return -EINVAL;
	}
}
