/**
 * `kvm_vm_ioctl_create_vcpu()` (virt/kvm/kvm_main.c, 6.12+ shape: vcpu->mutex held
 * across installing the fd and bumping online_vcpus). kernel-facts C.1.
 *
 * The point that matters for ordering contracts: `created_vcpus++` happens under
 * kvm->lock *before* the vCPU exists; from there every "before vCPUs" check that
 * reads created_vcpus under kvm->lock fails. `kvm_arch_vcpu_create()` then runs with
 * no lock, and the fd becomes visible to userspace later, under kvm->lock.
 */
import type { K } from "../rt/ops.js";
import { READ, RMW, WRITE, mutex_lock, mutex_unlock } from "../rt/ops.js";
import { EEXIST, EINVAL } from "../uapi/errno.js";
import type { Kvm, KvmVcpu } from "./kvm.js";
import { KVM_MAX_VCPU_IDS, kvm_vcpu_alloc, vcpuFd } from "./kvm.js";

/** `kvm_get_vcpu_by_id()`: a lockless walk of the published vCPUs. */
export function* kvm_get_vcpu_by_id<VA>(kvm: Kvm<unknown, VA>, id: number): K<KvmVcpu<VA> | null> {
  const vcpus = yield* READ(kvm.vcpu_array);
  return vcpus.find((v) => v.vcpu_id === id) ?? null;
}

/** Returns the new vCPU's fd number (the models use the vcpu id) or a negative errno. */
export function* kvm_vm_ioctl_create_vcpu<A, VA>(kvm: Kvm<A, VA>, id: number): K<number> {
  if (id < 0 || id >= (kvm.ops.config?.KVM_MAX_VCPU_IDS ?? KVM_MAX_VCPU_IDS)) return -EINVAL;

  yield* mutex_lock(kvm.lock);
  const created = yield* READ(kvm.created_vcpus);
  if (created >= kvm.max_vcpus) {
    yield* mutex_unlock(kvm.lock);
    return -EINVAL;
  }
  let r = yield* kvm.ops.kvm_arch_vcpu_precreate(kvm, id);
  if (r) {
    yield* mutex_unlock(kvm.lock);
    return r;
  }
  yield* WRITE(kvm.created_vcpus, created + 1);
  yield* mutex_unlock(kvm.lock);

  // kmem_cache_zalloc + the kvm_run page + kvm_vcpu_init(): private until published.
  const vcpu = kvm_vcpu_alloc(kvm, id);

  r = yield* kvm.ops.kvm_arch_vcpu_create(vcpu);
  if (r) return yield* vcpu_decrement(kvm, r);

  // if (kvm->dirty_ring_size) kvm_dirty_ring_alloc(...): a lockless read, after
  // created_vcpus++, so the ring cap can no longer change it.
  if (kvm.dirty_ring_size) yield* READ(kvm.dirty_ring_size);

  yield* mutex_lock(kvm.lock);
  if (yield* kvm_get_vcpu_by_id(kvm, id)) {
    yield* mutex_unlock(kvm.lock);
    return yield* vcpu_decrement(kvm, -EEXIST);
  }
  vcpu.vcpu_idx = yield* READ(kvm.online_vcpus);
  // xa_insert(&kvm->vcpu_array, vcpu->vcpu_idx, vcpu)
  yield* RMW(kvm.vcpu_array, (vcpus) => [...vcpus, vcpu]);

  // Userspace can't invoke vCPU ioctls until the vCPU is fully visible (per online_vcpus).
  yield* mutex_lock(vcpu.mutex);
  // create_vcpu_fd(): the fd is now installed and another thread may use it.
  yield* WRITE(vcpuFd(kvm, id), vcpu);
  // smp_wmb(); atomic_inc(&kvm->online_vcpus);
  yield* RMW(kvm.online_vcpus, (n) => n + 1);
  yield* mutex_unlock(vcpu.mutex);
  yield* mutex_unlock(kvm.lock);

  yield* kvm.ops.kvm_arch_vcpu_postcreate(vcpu);
  return id;
}

/** The error unwinding's last label: `vcpu_decrement`. */
function* vcpu_decrement(kvm: Kvm<unknown, unknown>, r: number): K<number> {
  yield* mutex_lock(kvm.lock);
  yield* RMW(kvm.created_vcpus, (n) => n - 1);
  yield* mutex_unlock(kvm.lock);
  return r;
}
