/**
 * What the guest does once KVM_RUN enters it, as a program says (`guest` on a KVM_RUN
 * call). Not kernel state: the runs of a vCPU follow it step by step.
 *
 * - `gmem`: a load from GMEM_GPA (guest_memfd-backed when the fixture's memslot is
 *   there); once it is resolved the guest goes on to an MMIO store.
 * - `mmio`: a store to MMIO_GPA, outside every memslot: an MMIO exit.
 * - `none`: the guest touches nothing and spins; only a signal gets the vCPU out.
 */
export type GuestScript = "gmem" | "mmio" | "none";

export const GMEM_GPA = 0x1000;
export const MMIO_GPA = 0x1000_0000;

export function guestScript(g: unknown): GuestScript {
  return g === "gmem" || g === "none" ? g : "mmio";
}
