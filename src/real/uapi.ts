/**
 * ioctl numbers, struct layouts and constants of the KVM uAPI as the real backend
 * passes them to the kernel. Transcribed from the uapi headers (never guessed):
 *
 * - include/uapi/linux/kvm.h (kvm-x86/linux, commit 01a871852b11; the layouts used
 *   here are unchanged through 6.18): the ioctl definitions, `struct kvm_run`,
 *   `struct kvm_userspace_memory_region{,2}`, `struct kvm_enable_cap`,
 *   `struct kvm_signal_mask`, `struct kvm_create_guest_memfd`, the KVM_CAP_* numbers;
 * - arch/x86/include/uapi/asm/kvm.h (kvm-x86/linux, commit 3cfc1a8ee2b9):
 *   `struct kvm_regs`, `struct kvm_segment`, `struct kvm_dtable`, `struct kvm_sregs`,
 *   KVM_SYNC_X86_*;
 * - include/uapi/asm-generic/ioctl.h: `_IOC(dir, type, nr, size)`.
 *
 * test/real-uapi.test.ts checks these against known values and against the system's
 * (6.1) <linux/kvm.h> compiled with cc, where that header has them.
 */

// include/uapi/asm-generic/ioctl.h: nr 8 bits, type 8 bits, size 14 bits, dir 2 bits.
const _IOC_NONE = 0;
const _IOC_WRITE = 1;
const _IOC_READ = 2;
const _IOC = (dir: number, type: number, nr: number, size: number): number => ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
const _IO = (type: number, nr: number) => _IOC(_IOC_NONE, type, nr, 0);
const _IOR = (type: number, nr: number, size: number) => _IOC(_IOC_READ, type, nr, size);
const _IOW = (type: number, nr: number, size: number) => _IOC(_IOC_WRITE, type, nr, size);
const _IOWR = (type: number, nr: number, size: number) => _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);

export const KVMIO = 0xae;

/** sizeof() of the structs the backend passes, from the field lists in the headers. */
export const SIZEOF = {
  /** u32 slot, flags; u64 guest_phys_addr, memory_size, userspace_addr */
  kvm_userspace_memory_region: 32,
  /** ... + u64 guest_memfd_offset; u32 guest_memfd, pad1; u64 pad2[14] */
  kvm_userspace_memory_region2: 160,
  /** u32 cap, flags; u64 args[4]; u8 pad[64] */
  kvm_enable_cap: 104,
  /** u64 rax..r15, rip, rflags */
  kvm_regs: 144,
  /** u64 base; u32 limit; u16 selector; u8 type, present, dpl, db, s, l, g, avl, unusable, padding */
  kvm_segment: 24,
  /** u64 base; u16 limit; u16 padding[3] */
  kvm_dtable: 16,
  /** 8 segments, 2 dtables, cr0 cr2 cr3 cr4 cr8 efer apic_base, u64 interrupt_bitmap[(256 + 63) / 64] */
  kvm_sregs: 8 * 24 + 2 * 16 + 7 * 8 + 4 * 8,
  /** u32 len; u8 sigset[] */
  kvm_signal_mask: 4,
  /** u64 size, flags, reserved[6] */
  kvm_create_guest_memfd: 64,
  /** u64 address, size, attributes, flags */
  kvm_memory_attributes: 32,
} as const;

/** ioctls for /dev/kvm, VM and vCPU fds (include/uapi/linux/kvm.h). */
export const IOCTL = {
  KVM_GET_API_VERSION: _IO(KVMIO, 0x00),
  KVM_CREATE_VM: _IO(KVMIO, 0x01),
  KVM_CHECK_EXTENSION: _IO(KVMIO, 0x03),
  KVM_GET_VCPU_MMAP_SIZE: _IO(KVMIO, 0x04),
  KVM_CREATE_VCPU: _IO(KVMIO, 0x41),
  KVM_SET_USER_MEMORY_REGION: _IOW(KVMIO, 0x46, SIZEOF.kvm_userspace_memory_region),
  KVM_SET_USER_MEMORY_REGION2: _IOW(KVMIO, 0x49, SIZEOF.kvm_userspace_memory_region2),
  KVM_CREATE_IRQCHIP: _IO(KVMIO, 0x60),
  KVM_SET_BOOT_CPU_ID: _IO(KVMIO, 0x78),
  KVM_RUN: _IO(KVMIO, 0x80),
  KVM_GET_REGS: _IOR(KVMIO, 0x81, SIZEOF.kvm_regs),
  KVM_SET_REGS: _IOW(KVMIO, 0x82, SIZEOF.kvm_regs),
  KVM_GET_SREGS: _IOR(KVMIO, 0x83, SIZEOF.kvm_sregs),
  KVM_SET_SREGS: _IOW(KVMIO, 0x84, SIZEOF.kvm_sregs),
  KVM_SET_SIGNAL_MASK: _IOW(KVMIO, 0x8b, SIZEOF.kvm_signal_mask),
  KVM_ENABLE_CAP: _IOW(KVMIO, 0xa3, SIZEOF.kvm_enable_cap),
  KVM_SET_MEMORY_ATTRIBUTES: _IOW(KVMIO, 0xd2, SIZEOF.kvm_memory_attributes),
  KVM_CREATE_GUEST_MEMFD: _IOWR(KVMIO, 0xd4, SIZEOF.kvm_create_guest_memfd),
} as const;

/** Byte offsets in `struct kvm_run` (x86: no s390 psw fields). */
export const KVM_RUN_OFFSET = {
  request_interrupt_window: 0,
  immediate_exit: 1,
  exit_reason: 8,
  ready_for_interrupt_injection: 12,
  if_flag: 13,
  flags: 14,
  cr8: 16,
  apic_base: 24,
  /** The exit union starts here, 256 bytes ("Fix the size of the union"). */
  union: 32,
  "io.direction": 32,
  "io.size": 33,
  "io.port": 34,
  "io.count": 36,
  "io.data_offset": 40,
  "mmio.phys_addr": 32,
  "mmio.data": 40,
  "mmio.len": 48,
  "mmio.is_write": 52,
  "internal.suberror": 32,
  "internal.ndata": 36,
  "memory_fault.flags": 32,
  "memory_fault.gpa": 40,
  "memory_fault.size": 48,
  kvm_valid_regs: 32 + 256,
  kvm_dirty_regs: 32 + 256 + 8,
  /** union { struct kvm_sync_regs regs; char padding[SYNC_REGS_SIZE_BYTES]; } s */
  s: 32 + 256 + 16,
} as const;

/** Offsets in `struct kvm_regs` and `struct kvm_sregs` the tiny guests set. */
export const KVM_REGS_OFFSET = { rip: 16 * 8, rflags: 17 * 8 } as const;
export const KVM_SREGS_OFFSET = { cs: 0 } as const;
export const KVM_SEGMENT_OFFSET = { base: 0, limit: 8, selector: 12 } as const;

/** `struct kvm_userspace_memory_region2` field offsets (the first five are region's). */
export const MEMORY_REGION_OFFSET = {
  slot: 0,
  flags: 4,
  guest_phys_addr: 8,
  memory_size: 16,
  userspace_addr: 24,
  guest_memfd_offset: 32,
  guest_memfd: 40,
} as const;

/** KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS (arch/x86/include/uapi/asm/kvm.h) */
export const KVM_SYNC_X86_VALID_FIELDS = 0x7;

/** `KVM_EXIT_IO_IN`, `KVM_EXIT_IO_OUT` */
export const KVM_EXIT_IO_OUT = 1;


/** open(2) flags and mmap(2) constants (asm-generic/fcntl.h, asm-generic/mman-common.h, x86-64). */
export const O_RDWR = 2;
export const O_CLOEXEC = 0o2000000;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const PAGE_SIZE = 4096;
