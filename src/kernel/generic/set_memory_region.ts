/**
 * `KVM_SET_USER_MEMORY_REGION(2)`: `kvm_set_memory_region()` takes `kvm->slots_lock`,
 * `__kvm_set_memory_region()` checks the request and picks CREATE / DELETE / MOVE /
 * FLAGS_ONLY, `kvm_set_memslot()` takes `slots_arch_lock`, asks the arch to prepare,
 * publishes the new memslots and lets the arch commit. kernel-facts C.2.
 *
 * The models keep one address space; the checks that depend on host memory
 * (`access_ok`, the VMAs behind userspace_addr) always pass.
 */
import type { K } from "../rt/ops.js";
import { READ, WARN_ON_ONCE, WRITE, lockdep_assert_held, mutex_lock, mutex_unlock } from "../rt/ops.js";
import { EEXIST, EINVAL, EIO } from "../uapi/errno.js";
import type { KvmMrChange } from "./arch.js";
import type { Kvm, KvmMemorySlot } from "./kvm.js";
import { KVM_MEM_SLOTS_NUM, PAGE_SIZE } from "./kvm.js";

export const KVM_MEM_LOG_DIRTY_PAGES = 1 << 0;
export const KVM_MEM_READONLY = 1 << 1;
export const KVM_MEM_GUEST_MEMFD = 1 << 2;

/** `struct kvm_userspace_memory_region2`, as a program states it. */
export interface KvmUserspaceMemoryRegion {
  readonly slot: number;
  readonly flags: number;
  readonly guest_phys_addr: number;
  readonly memory_size: number;
  readonly userspace_addr: number;
  readonly guest_memfd?: number;
}

const isPageAligned = (x: number): boolean => x % PAGE_SIZE === 0;

/**
 * `kvm_set_memory_region()`: the ioctl's body, under `slots_lock`. A variant's
 * `__kvm_set_memory_region()` (kvm.main) runs in place of the shipped one.
 */
export function* kvm_set_memory_region<A, VA>(kvm: Kvm<A, VA>, mem: KvmUserspaceMemoryRegion): K<number> {
  yield* mutex_lock(kvm.slots_lock);
  const r = yield* (kvm.main.__kvm_set_memory_region ?? __kvm_set_memory_region)(kvm, mem);
  yield* mutex_unlock(kvm.slots_lock);
  return r;
}

/** `check_memory_region_flags()`: -EINVAL for a flag this VM does not accept. */
export function check_memory_region_flags<A, VA>(kvm: Kvm<A, VA>, mem: KvmUserspaceMemoryRegion): number {
  return mem.flags & ~kvm.valid_memslot_flags ? -EINVAL : 0;
}

/** `__kvm_set_memory_region()`: checks the request, picks the change and makes it (caller holds slots_lock). */
export function* __kvm_set_memory_region<A, VA>(kvm: Kvm<A, VA>, mem: KvmUserspaceMemoryRegion): K<number> {
  const flagsError = check_memory_region_flags(kvm, mem);
  if (flagsError) return flagsError;
  const as_id = mem.slot >>> 16;
  const id = mem.slot & 0xffff;

  // General sanity checks
  if (!isPageAligned(mem.memory_size) || mem.memory_size < 0) return -EINVAL;
  if (!isPageAligned(mem.guest_phys_addr) || mem.guest_phys_addr < 0) return -EINVAL;
  if (!isPageAligned(mem.userspace_addr)) return -EINVAL;
  if (as_id >= 1 || id >= KVM_MEM_SLOTS_NUM) return -EINVAL;
  if (mem.guest_phys_addr + mem.memory_size >= 2 ** 64) return -EINVAL;

  const slots = yield* READ(kvm.memslots);
  const old = slots.find((s) => s.id === id) ?? null;

  if (!mem.memory_size) {
    if (!old || !old.npages) return -EINVAL;
    const nr = yield* READ(kvm.nr_memslot_pages);
    if (yield* WARN_ON_ONCE(nr < old.npages, "kvm->nr_memslot_pages < old->npages")) return -EIO;
    return yield* kvm_set_memslot(kvm, old, null, "KVM_MR_DELETE");
  }

  const base_gfn = mem.guest_phys_addr / PAGE_SIZE;
  const npages = mem.memory_size / PAGE_SIZE;
  let change: KvmMrChange;
  if (!old || !old.npages) {
    change = "KVM_MR_CREATE";
  } else {
    // Modify an existing slot.
    if (mem.userspace_addr !== old.userspace_addr || npages !== old.npages || (mem.flags ^ old.flags) & KVM_MEM_READONLY)
      return -EINVAL;
    if (base_gfn !== old.base_gfn) change = "KVM_MR_MOVE";
    else if (mem.flags !== old.flags) change = "KVM_MR_FLAGS_ONLY";
    else return 0; // Nothing to change.
  }

  if (
    (change === "KVM_MR_CREATE" || change === "KVM_MR_MOVE") &&
    slots.some((s) => s.id !== id && base_gfn < s.base_gfn + s.npages && s.base_gfn < base_gfn + npages)
  )
    return -EEXIST;

  const new_: KvmMemorySlot = {
    id,
    as_id,
    base_gfn,
    npages,
    flags: mem.flags,
    userspace_addr: mem.userspace_addr,
    ...(mem.flags & KVM_MEM_GUEST_MEMFD ? { guest_memfd: mem.guest_memfd ?? -1 } : {}),
  };
  return yield* kvm_set_memslot(kvm, old, new_, change);
}

/** `kvm_set_memslot()`: prepare under `slots_arch_lock`, publish, commit. */
export function* kvm_set_memslot<A, VA>(
  kvm: Kvm<A, VA>,
  old: KvmMemorySlot | null,
  new_: KvmMemorySlot | null,
  change: KvmMrChange,
): K<number> {
  yield* mutex_lock(kvm.slots_arch_lock);
  const r = yield* kvm.ops.kvm_arch_prepare_memory_region(kvm, old, new_, change);
  if (r) {
    yield* mutex_unlock(kvm.slots_arch_lock);
    return r;
  }
  // kvm_create/delete/move/update_flags_memslot + kvm_swap_active_memslots(): the new
  // array is published in one step (rcu_assign_pointer, then synchronize_srcu), and
  // kvm_swap_active_memslots() drops slots_arch_lock.
  const slots = yield* READ(kvm.memslots);
  const next = slots.filter((s) => s.id !== (old ?? new_)!.id);
  if (new_) next.push(new_);
  next.sort((a, b) => a.base_gfn - b.base_gfn);
  yield* WRITE(kvm.memslots, next);
  const delta = (new_?.npages ?? 0) - (old?.npages ?? 0);
  if (delta) {
    const nr = yield* READ(kvm.nr_memslot_pages);
    yield* WRITE(kvm.nr_memslot_pages, nr + delta);
  }
  yield* mutex_unlock(kvm.slots_arch_lock);

  yield* kvm.ops.kvm_arch_commit_memory_region(kvm, old, new_, change);
  return 0;
}

/** `kvm_are_all_memslots_empty()`: the caller must hold `slots_lock` (kernel-facts C.4). */
export function* kvm_are_all_memslots_empty<A, VA>(kvm: Kvm<A, VA>): K<boolean> {
  yield* lockdep_assert_held(kvm.slots_lock, "kvm_are_all_memslots_empty");
  const slots = yield* READ(kvm.memslots);
  return slots.length === 0;
}
