/*
 * Variant: scrub
 * Subject: Re: [RFC PATCH] KVM: arm64: Align KVM_EXIT_MEMORY_FAULT error codes with documentation (Sean Christopherson)
 * Message-Id: <afs3wp7xBUf2jYK4@google.com>
 * Date: 2026-05-06
 * List: linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev
 * Base: arm64-memfault@current
 *
 * Sean Christopherson's proposal: in the generic KVM_RUN path, scrub exit_reason to
 * KVM_EXIT_UNKNOWN when kvm_arch_vcpu_ioctl_run() fails with anything but -EFAULT or
 * -EHWPOISON. Written from the proposal as stated (kernel-facts D.7) into
 * virt/kvm/kvm_main.c kvm_vcpu_ioctl()'s KVM_RUN case, from the arch's return on.
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

		if (r < 0 && r != -EFAULT && r != -EHWPOISON)
			vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;

		trace_kvm_userspace_exit(vcpu->run->exit_reason, r);
		break;
	}
	default:
		r = -ENOTTY;
	}
	return r;
}
