/**
 * arm64-memfault gated — Alexandru Elisei's counter-proposal in the RFC thread,
 * 2026-05-06 (resent 2026-05-07), <aftEkgnDdL2AY_6H@raptor>: make
 * `kvm_prepare_memory_fault_exit()` take the error and do nothing unless it is
 * -EFAULT or -EHWPOISON, which also stops exposing which memory the guest touched.
 * Transcribed from the proposal as stated (kernel-facts D.7); its code was not found.
 */
import type { MemfaultVariant } from "../../../targets/memfault/variant.js";
import type { KvmVcpu } from "../../generic/kvm.js";
import { kvm_prepare_memory_fault_exit } from "../../generic/memory_fault.js";
import type { K } from "../../rt/ops.js";
import { EFAULT, EHWPOISON } from "../../uapi/errno.js";

/** `kvm_prepare_memory_fault_exit(vcpu, gpa, size, is_write, is_exec, is_private, err)` */
export function* kvm_prepare_memory_fault_exit_gated<VA>(
  vcpu: KvmVcpu<VA>,
  gpa: number,
  size: number,
  is_write: boolean,
  is_exec: boolean,
  is_private: boolean,
  err: number,
): K<void> {
  if (err !== -EFAULT && err !== -EHWPOISON) return;
  yield* kvm_prepare_memory_fault_exit(vcpu, gpa, size, is_write, is_exec, is_private);
}

export const gated: MemfaultVariant = {
  name: "gated",
  summary: "kvm_prepare_memory_fault_exit() takes the error and does nothing unless -EFAULT/-EHWPOISON",
  patch: {
    title: "Re: [RFC PATCH] KVM: arm64: Align KVM_EXIT_MEMORY_FAULT error codes with documentation (Alexandru Elisei)",
    list: "linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev",
    date: "2026-05-06",
    messageId: "aftEkgnDdL2AY_6H@raptor",
  },
  *gmemErrorExit(vcpu, gpa, size, is_write, is_exec, is_private, err) {
    yield* kvm_prepare_memory_fault_exit_gated(vcpu, gpa, size, is_write, is_exec, is_private, err);
    return err;
  },
};
