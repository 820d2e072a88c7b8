/**
 * `kvm_prepare_memory_fault_exit()` (include/linux/kvm_host.h, kernel-facts D.2): fills
 * the KVM_EXIT_MEMORY_FAULT exit in `kvm_run` and returns nothing, so the caller picks
 * the errno. Four stores to the shared `kvm_run` page.
 */
import type { K } from "../rt/ops.js";
import { WRITE } from "../rt/ops.js";
import { KVM_EXIT_MEMORY_FAULT, KVM_MEMORY_EXIT_FLAG_PRIVATE } from "../uapi/exits.js";
import type { KvmVcpu } from "./kvm.js";

export function* kvm_prepare_memory_fault_exit<VA>(
  vcpu: KvmVcpu<VA>,
  gpa: number,
  size: number,
  _is_write: boolean,
  _is_exec: boolean,
  is_private: boolean,
): K<void> {
  yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_MEMORY_FAULT);
  yield* WRITE(vcpu.run.memory_fault_gpa, gpa);
  yield* WRITE(vcpu.run.memory_fault_size, size);
  // RWX flags are not (yet) defined or communicated to userspace.
  yield* WRITE(vcpu.run.memory_fault_flags, is_private ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0);
}
