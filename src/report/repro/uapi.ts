/**
 * The uapi a reproducer needs beyond what the system's <linux/kvm.h> (Linux 6.1 on the
 * project's machines) defines. Every value is copied from include/uapi/linux/kvm.h
 * (torvalds/linux, the tools/include/uapi copy at 01f492e1817e, newer than 6.18; the
 * numbers below never change once merged), each under #ifndef so a newer header wins.
 * Capabilities a variant's patch adds (never merged, e.g. KVM_CAP_RISCV_SET_HGATP_MODE)
 * take the number from the variant, which transcribes the patch.
 */
import type { Subject } from "../../targets/target.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import { printable } from "../../program/schema.js";

export interface CapValue {
  readonly name: string;
  readonly value: number | null;
  readonly source: string;
}

/** A cap as C: a KVM_CAP_ identifier or a number, never other text (a call's cap is input). */
export function capIdent(cap: unknown): string {
  if (typeof cap === "string" && /^KVM_CAP_[A-Z0-9_]+$/.test(cap)) return cap;
  if (typeof cap === "number" && Number.isSafeInteger(cap) && cap >= 0) return String(cap);
  throw new Error(`a reproducer writes caps as KVM_CAP_ names or numbers, not ${printable(String(cap))}`);
}

export function capValue(subject: Subject, cap: unknown): CapValue {
  const name = capIdent(cap);
  const own = subject.patchCaps?.[name];
  if (own !== undefined) return { name, value: own, source: `the patch (${subject.patch.messageId}); in no merged uapi header` };
  const v = UAPI_CAPS[name];
  if (v !== undefined) return { name, value: v, source: "include/uapi/linux/kvm.h" };
  return { name, value: null, source: "unknown to kvm-ordercheck" };
}

/** C text: the caps under #ifndef (an unknown one stops the build, naming itself). */
export function capDefines(caps: readonly CapValue[]): string {
  return caps
    .map((c) =>
      c.value === null
        ? `#ifndef ${c.name}\n#error "${c.name}: kvm-ordercheck does not know its number; define it"\n#endif`
        : `#ifndef ${c.name}\n#define ${c.name} ${c.value} /* ${c.source} */\n#endif`,
    )
    .join("\n");
}

/** C text: what Linux 6.1's <linux/kvm.h> lacks and the programs use (guest_memfd, memslots v2, the memory-fault exit). */
export const NEWER_UAPI = `/* From include/uapi/linux/kvm.h (newer than the 6.1 system header); a newer header wins. */
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
#endif
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE (1ULL << 3)
#endif
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
/*
 * kvm_run's KVM_EXIT_MEMORY_FAULT payload (struct { __u64 flags, gpa, size; } memory_fault)
 * opens the exit union, where 6.1's header has no member for it: read it there.
 */
struct repro_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};`;
