/**
 * `kvm_gmem_get_pfn()` (virt/kvm/guest_memfd.c, kernel-facts D.4) as a choice point:
 * which of its outcomes happens depends on the host (the file being closed, memory
 * pressure, poison), so the execution's decisions pick it. The first option, a page,
 * is the default.
 *
 * -EFAULT: the slot's file is gone or does not match; -EIO: the gfn is not bound to
 * this slot; -ENOMEM / -EAGAIN: from kvm_gmem_get_folio(); -EHWPOISON: a poisoned folio.
 */
import type { K } from "../rt/ops.js";
import { choose } from "../rt/ops.js";
import { EAGAIN, EFAULT, EHWPOISON, EIO, ENOMEM } from "../uapi/errno.js";

export const KVM_GMEM_GET_PFN_RESULTS: readonly number[] = [0, -EFAULT, -EHWPOISON, -ENOMEM, -EIO, -EAGAIN];

/** 0 (a page) or a negative errno. */
export function* kvm_gmem_get_pfn(): K<number> {
  return yield* choose("kvm_gmem_get_pfn", KVM_GMEM_GET_PFN_RESULTS);
}
