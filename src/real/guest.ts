/**
 * The tiny real-mode guests a KVM_RUN call can choose (`guest` on the call), as x86
 * machine code in one page of the arena. Every guest loops on its one action, so each
 * entry does it again: a run that enters the guest exits for that action.
 *
 * PVM emulates every guest instruction (kernel-facts H), so each is a few bytes.
 *
 *   io    out 0x10, al ; jmp io       KVM_EXIT_IO (port 0x10, out)
 *   hlt   hlt          ; jmp hlt      KVM_EXIT_HLT (no in-kernel irqchip)
 *   mmio  mov [0x8000], al ; jmp mmio KVM_EXIT_MMIO: 0x8000 is outside every memslot
 *   spin  jmp spin                    no exit: only a signal (or the watchdog) ends the run
 */
export type RealGuest = "io" | "hlt" | "mmio" | "spin";

export const REAL_GUESTS: readonly RealGuest[] = ["io", "hlt", "mmio", "spin"];

/** Where the code page sits in the arena, and where the fixture memslot maps it. */
export const CODE_OFFSET = 0x1000;
export const CODE_GPA = 0x1000;
/** The fixture memslot: arena offset 0 at GPA 0, two pages (the code is in the second). */
export const GUEST_SLOT = { slot: 0, guest_phys_addr: 0, memory_size: 0x2000, userspace_addr: 0 } as const;
export const GUEST_MMIO_GPA = 0x8000;
export const GUEST_IO_PORT = 0x10;

const ENTRY: Record<RealGuest, number> = { io: 0x00, hlt: 0x10, mmio: 0x20, spin: 0x30 };

/** The code page's bytes (offsets relative to CODE_GPA). */
export function guestCode(): Uint8Array {
  const page = new Uint8Array(0x1000);
  page.set([0xe6, GUEST_IO_PORT, 0xeb, 0xfc], ENTRY.io); // out imm8, al; jmp -4
  page.set([0xf4, 0xeb, 0xfd], ENTRY.hlt); // hlt; jmp -3
  page.set([0xa2, GUEST_MMIO_GPA & 0xff, GUEST_MMIO_GPA >> 8, 0xeb, 0xfb], ENTRY.mmio); // mov [moffs16], al; jmp -5
  page.set([0xeb, 0xfe], ENTRY.spin); // jmp $
  return page;
}

/** The guest's first instruction, a GPA (real mode, CS base 0). */
export function guestEntry(g: RealGuest): number {
  return CODE_GPA + ENTRY[g];
}

export function isRealGuest(g: unknown): g is RealGuest {
  return typeof g === "string" && (REAL_GUESTS as readonly string[]).includes(g);
}
