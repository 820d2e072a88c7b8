/**
 * x86-memfault current — arch/x86/kvm/mmu/mmu.c `kvm_mmu_faultin_pfn_gmem()` (was
 * `kvm_faultin_pfn_private()`, from the guest_memfd series, Paolo Bonzini / Sean
 * Christopherson / Chao Peng, <20231105163040.14904-10-pbonzini@redhat.com> for the
 * exit itself): prepares the memory-fault exit and returns any errno
 * `kvm_gmem_get_pfn()` gave; `vcpu_run()` resets exit_reason only after the
 * immediate_exit check, so it is preserved across an immediate exit.
 */
import type { MemfaultVariant } from "../../../targets/memfault/variant.js";

export const x86Current: MemfaultVariant = {
  name: "current",
  summary: "kvm_mmu_faultin_pfn_gmem() returns any gmem errno after filling the exit; immediate_exit keeps exit_reason",
  patch: {
    title: "arch/x86/kvm/mmu/mmu.c kvm_mmu_faultin_pfn_gmem() and x86.c vcpu_run() as merged",
    list: "kvm@vger.kernel.org",
    date: "2023-11-05",
    messageId: "20231105163040.14904-10-pbonzini@redhat.com",
  },
};
