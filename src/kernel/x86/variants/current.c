/*
 * Variant: current
 * Subject: arch/x86/kvm/mmu/mmu.c kvm_mmu_faultin_pfn_gmem() and x86.c vcpu_run() as merged
 * Message-Id: <20231105163040.14904-10-pbonzini@redhat.com>
 * Date: 2023-11-05
 * List: kvm@vger.kernel.org
 * Base: x86-memfault@current
 *
 * The generic KVM_RUN return as merged (virt/kvm/kvm_main.c kvm_vcpu_ioctl(), 6.12+):
 * nothing touches kvm_run between the arch's return and dropping vcpu->mutex.
 */
static long kvm_vcpu_ioctl(struct file *filp,
			   unsigned int ioctl, unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	int r;

	switch (ioctl) {
	case KVM_RUN: {
		r = kvm_arch_vcpu_ioctl_run(vcpu);
		vcpu->wants_to_run = false;

		trace_kvm_userspace_exit(vcpu->run->exit_reason, r);
		break;
	}
	default:
		r = -ENOTTY;
	}
	return r;
}
