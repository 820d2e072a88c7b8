/**
 * x86-caps current — Linux 6.18 as merged: arch/x86/kvm/x86.c `kvm_vm_ioctl_enable_cap()`
 * (SPLIT_IRQCHIP, X2APIC_API, X86_DISABLE_EXITS, MAX_VCPU_ID), `kvm_arch_vm_ioctl()`
 * (KVM_CREATE_IRQCHIP, KVM_SET_BOOT_CPU_ID), `kvm_arch_vcpu_precreate()`,
 * `kvm_arch_prepare_memory_region()`, `kvm_vm_ioctl_check_extension()`; and
 * virt/kvm/kvm_main.c `kvm_vm_ioctl_create_vcpu()`, `kvm_vm_ioctl_enable_cap_generic()` /
 * `kvm_vm_ioctl_enable_dirty_log_ring()`, `kvm_vm_ioctl_set_memory_region()`.
 * Read from kvm-x86/linux (x86.c at 042007c262e5, kvm_main.c) and the 6.18 patch mails;
 * X2APIC_API carries the EOI-broadcast flags backported to 6.18-stable (Khushit Shah /
 * Sean Christopherson, Jan 2026), which the host has.
 *
 * Every before-vCPU check reads created_vcpus under kvm->lock. One check is not under
 * it: the dirty ring's "set once" test reads kvm->dirty_ring_size before taking
 * kvm->lock, so two concurrent KVM_CAP_DIRTY_LOG_RING enables can both succeed.
 */
import type { X86CapsVariant } from "../../../targets/x86-caps/variant.js";

export const x86CapsCurrent: X86CapsVariant = {
  name: "current",
  summary: "Linux 6.18 as merged: before-vCPU checks on created_vcpus under kvm->lock; the dirty ring's set-once test before it",
  patch: {
    title: "arch/x86/kvm/x86.c and virt/kvm/kvm_main.c as merged (Linux 6.18)",
    list: "kvm@vger.kernel.org",
    date: "2025-11-30",
    messageId: "n/a (merged code; read from kvm-x86/linux 042007c262e5)",
  },
};
