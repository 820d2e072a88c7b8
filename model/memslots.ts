/**
 * KVM_SET_USER_MEMORY_REGION as Documentation/virt/kvm/api.rst (4.35) states it, for
 * every arch: flags, alignment, slot ids, delete, the modifications a slot allows
 * (flags only, or a move; never its size or userspace address, nor READONLY), overlap.
 * The arch gives its slot count and its GPA limit.
 */
import type { Call } from "../src/kernel/rt/trace.js";
import { PAGE_SIZE } from "../src/kernel/generic/kvm.js";
import { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from "../src/kernel/generic/set_memory_region.js";
import { EEXIST, EINVAL } from "../src/kernel/uapi/errno.js";
import type { Expectation } from "./expectation.js";
import { exactly } from "./expectation.js";

export interface Slot {
  readonly id: number;
  readonly base_gfn: number;
  readonly npages: number;
  readonly flags: number;
  readonly userspace_addr: number;
}

const VALID_MEMSLOT_FLAGS = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;

export interface MemslotRules {
  /** `KVM_USER_MEM_SLOTS`: slot ids (in address space 0, the only one the models have) below it. */
  readonly userSlots: number;
  /**
   * The arch's GPA limit for a slot at `base_gfn` of `npages`: the refusal (errno, why)
   * or null. `creates`: a new or moved slot, not a flags-only change.
   */
  beyondGpa(base_gfn: number, npages: number, creates: boolean): { readonly errno: number; readonly why: string } | null;
}

export function expectMemslot<C extends { readonly memslots: readonly Slot[] }>(ctx: C, call: Call, rules: MemslotRules): Expectation<C> {
  const slot = Number(call.slot);
  const flags = Number(call.flags ?? 0);
  const gpa = Number(call.guest_phys_addr);
  const size = Number(call.memory_size);
  const uaddr = Number(call.userspace_addr);
  const no = (why: string) => exactly<C>(-EINVAL, undefined, why);
  if ((slot & 0xffff) >= rules.userSlots) return no("slot id");
  if (flags & ~VALID_MEMSLOT_FLAGS) return no("flags");
  if (size % PAGE_SIZE || gpa % PAGE_SIZE || uaddr % PAGE_SIZE || size < 0 || gpa < 0) return no("alignment");
  if (slot >>> 16 >= 1) return no("address space");
  const id = slot & 0xffff;
  const old = ctx.memslots.find((s) => s.id === id);
  const memslots = (f: (s: readonly Slot[]) => readonly Slot[]) => (c: C) => ({ memslots: f(c.memslots) }) as Partial<C>;
  if (size === 0) {
    if (!old) return no("deleting a slot that does not exist");
    return exactly(0, memslots((ss) => ss.filter((s) => s.id !== id)));
  }
  const base_gfn = gpa / PAGE_SIZE;
  const npages = size / PAGE_SIZE;
  let creates = true;
  if (old) {
    if (uaddr !== old.userspace_addr || npages !== old.npages || (flags ^ old.flags) & KVM_MEM_READONLY)
      return no("changing a slot's size, address or READONLY");
    if (base_gfn === old.base_gfn) {
      if (flags === old.flags) return exactly(0);
      creates = false; // flags only
    }
  }
  if (creates && ctx.memslots.some((s) => s.id !== id && base_gfn < s.base_gfn + s.npages && s.base_gfn < base_gfn + npages))
    return exactly(-EEXIST, undefined, "overlaps another slot");
  const beyond = rules.beyondGpa(base_gfn, npages, creates);
  if (beyond) return exactly(-beyond.errno, undefined, beyond.why);
  const s: Slot = { id, base_gfn, npages, flags, userspace_addr: uaddr };
  return exactly(0, memslots((ss) => [...ss.filter((x) => x.id !== id), s]));
}
