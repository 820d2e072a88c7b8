/**
 * `kvm_vcpu_ioctl()` for KVM_RUN (virt/kvm/kvm_main.c, newest tree found: 6.12+ with
 * `kvm_wait_for_vcpu_online()` before `vcpu->mutex`). kernel-facts C.1, D.5.
 */
import type { K } from "../rt/ops.js";
import { READ, WARN_ON_ONCE, mutex_lock, mutex_unlock } from "../rt/ops.js";
import { EIO } from "../uapi/errno.js";
import type { KvmVcpu } from "./kvm.js";
import type { Task } from "./task.js";

/**
 * `kvm_wait_for_vcpu_online()`: a vCPU ioctl issued before KVM_CREATE_VCPU finished
 * waits on vcpu->mutex, which the creator holds until online_vcpus is bumped.
 */
export function* kvm_wait_for_vcpu_online<VA>(vcpu: KvmVcpu<VA>): K<number> {
  const kvm = vcpu.kvm;
  if (vcpu.vcpu_idx < (yield* READ(kvm.online_vcpus))) return 0;
  yield* mutex_lock(vcpu.mutex);
  yield* mutex_unlock(vcpu.mutex);
  const vcpus = yield* READ(kvm.vcpu_array);
  if (yield* WARN_ON_ONCE(!vcpus[vcpu.vcpu_idx], "kvm_get_vcpu(kvm, vcpu->vcpu_idx) is NULL")) return -EIO;
  return 0;
}

/**
 * What runs between `kvm_arch_vcpu_ioctl_run()` returning and `vcpu->mutex` being
 * dropped. Upstream: nothing that touches `kvm_run`. A fix may scrub exit_reason here
 * (Sean Christopherson's proposal, arm64 RFC thread, May 2026).
 */
export type RunReturnHook<VA> = (vcpu: KvmVcpu<VA>, r: number) => K<number>;

/** The KVM_RUN case of `kvm_vcpu_ioctl()`, from `kvm_wait_for_vcpu_online()` to `mutex_unlock(&vcpu->mutex)`. */
/** Who runs the vCPU and what its guest will do, for one KVM_RUN. */
export interface RunRequest {
  readonly guest: unknown;
  readonly task: Task | null;
}

export function* kvm_vcpu_ioctl_run<VA>(vcpu: KvmVcpu<VA>, req: RunRequest, onReturn?: RunReturnHook<VA>): K<number> {
  let r = yield* kvm_wait_for_vcpu_online(vcpu);
  if (r) return r;
  yield* mutex_lock(vcpu.mutex);
  // Not kernel state: what the guest will do once entered, for this run (the program says).
  vcpu.guest = req.guest;
  vcpu.task = req.task;
  // vcpu->wants_to_run = !READ_ONCE(vcpu->run->immediate_exit__unsafe);
  vcpu.wants_to_run = !(yield* READ(vcpu.run.immediate_exit));
  r = yield* vcpu.kvm.ops.kvm_arch_vcpu_ioctl_run(vcpu);
  vcpu.wants_to_run = false;
  if (onReturn) r = yield* onReturn(vcpu, r);
  yield* mutex_unlock(vcpu.mutex);
  return r;
}
