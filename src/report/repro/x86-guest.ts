/**
 * The tiny real-mode x86 guest behind every KVM_RUN of an x86 reproducer. The program
 * says per run what the guest does (`guest` on a KVM_RUN call, src/kernel/generic/
 * guest.ts): userspace writes that script's number into a mailbox in the code page
 * before each KVM_RUN, and the guest's dispatcher reads it after every exit.
 *
 *   0: 2e a0 00 01   mov al, cs:[0x100]   ; the mailbox
 *   4: 3c 01         cmp al, 1
 *   6: 74 06         je  14               ; 1: gmem
 *   8: 3c 02         cmp al, 2
 *  10: 74 05         je  17               ; 2: mmio
 *  12: eb f2         jmp 0                ; 0: none (spin until a signal)
 *  14: a0 00 10      mov al, [0x1000]     ; gmem: load GMEM_GPA (ds.base = 0)
 *  17: 26 a2 00 00   mov es:[0], al       ; mmio: store to MMIO_GPA (es.base), an MMIO exit
 *  21: eb e9         jmp 0
 *
 * The code lives in a memslot of its own above the programs' (cs.base = CODE_GPA), so
 * a program that deletes or re-creates slot 0 does not pull it from under the guest.
 * On the project's PVM host every instruction is emulated (kernel-facts H), so a run is
 * a handful of instructions.
 */
import { GMEM_GPA, MMIO_GPA, guestScript } from "../../kernel/generic/guest.js";

export const X86_GUEST_CODE: readonly number[] = [
  0x2e, 0xa0, 0x00, 0x01, 0x3c, 0x01, 0x74, 0x06, 0x3c, 0x02, 0x74, 0x05, 0xeb, 0xf2, 0xa0, 0x00, 0x10, 0x26, 0xa2, 0x00,
  0x00, 0xeb, 0xe9,
];
export const X86_MAILBOX = 0x100;
export const X86_CODE_GPA = 0x2000_0000;
export const X86_CODE_SLOT = 32000;
export { GMEM_GPA, MMIO_GPA };

/** The mailbox value for a KVM_RUN's `guest` (-1: leave it, the run never enters the guest). */
export function x86Script(guest: unknown, immediateExit: boolean): number {
  if (immediateExit && (guest === null || guest === undefined)) return -1;
  const s = guestScript(guest);
  return s === "none" ? 0 : s === "gmem" ? 1 : 2;
}

export const X86_SCRIPT_NAMES = ["none: spins until a signal", "gmem: loads GMEM_GPA, then stores to MMIO_GPA", "mmio: stores to MMIO_GPA"];
