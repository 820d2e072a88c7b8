/**
 * arm64-memfault current — arch/arm64/kvm/mmu.c `gmem_abort()` as in the ~7.0/7.1
 * trees (Fuad Tabba's guest_memfd-for-arm64 series, kernel-facts D.3): on a
 * `kvm_gmem_get_pfn()` error it calls `kvm_prepare_memory_fault_exit()` and returns
 * the error unchanged, whatever it is. The subject of Alexandru Elisei's RFC
 * "[RFC PATCH] KVM: arm64: Align KVM_EXIT_MEMORY_FAULT error codes with
 * documentation", linux-arm-kernel / kvmarm, 2026-05-06,
 * <20260506105053.107404-1-alexandru.elisei@arm.com>.
 */
import type { MemfaultVariant } from "../../../targets/memfault/variant.js";
import { kvm_prepare_memory_fault_exit } from "../../generic/memory_fault.js";

export const current: MemfaultVariant = {
  name: "current",
  summary: "gmem_abort() fills KVM_EXIT_MEMORY_FAULT, then returns any errno kvm_gmem_get_pfn() gave",
  patch: {
    title: "arch/arm64/kvm/mmu.c gmem_abort() as merged (the code the RFC addresses)",
    list: "linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev",
    date: "2026-05-06",
    messageId: "20260506105053.107404-1-alexandru.elisei@arm.com",
  },
  *gmemErrorExit(vcpu, gpa, size, is_write, is_exec, is_private, err) {
    yield* kvm_prepare_memory_fault_exit(vcpu, gpa, size, is_write, is_exec, is_private);
    return err;
  },
};
