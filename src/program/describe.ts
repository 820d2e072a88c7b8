/** Calls and results as a kernel developer writes them: `KVM_CREATE_VCPU(0)`, `-1 EBUSY`. */
import type { Call, CallResult } from "../kernel/rt/trace.js";
import { formatReturn } from "../kernel/uapi/errno.js";
import { exitName } from "../kernel/uapi/exits.js";

const hex = (n: unknown): string => (typeof n === "number" ? `0x${n.toString(16)}` : String(n));

export function describeCall(call: Call): string {
  const fd = call.fd;
  const on = fd === "system" ? "/dev/kvm, " : "";
  switch (call.ioctl) {
    case "KVM_ENABLE_CAP": {
      const flags = Number(call.flags ?? 0) ? `, flags=${String(call.flags)}` : "";
      return `KVM_ENABLE_CAP(${String(call.cap)}, ${((call.args as number[]) ?? []).join(", ")}${flags})`;
    }
    case "KVM_CHECK_EXTENSION":
      return `KVM_CHECK_EXTENSION(${on}${String(call.cap)})`;
    case "KVM_CREATE_VCPU":
      return `KVM_CREATE_VCPU(${String(call.id)})`;
    case "KVM_SET_BOOT_CPU_ID":
      return `KVM_SET_BOOT_CPU_ID(${String(call.id)})`;
    case "KVM_SET_USER_MEMORY_REGION":
    case "KVM_SET_USER_MEMORY_REGION2": {
      const flags = Number(call.flags ?? 0) ? `, flags=${String(call.flags)}` : "";
      const gmem = call.guest_memfd !== undefined ? `, guest_memfd` : "";
      // A misaligned userspace_addr is the only one that changes the result: show it then.
      const uaddr = Number(call.userspace_addr) % 4096 ? `, uaddr ${hex(call.userspace_addr)}` : "";
      return `${call.ioctl}(slot ${String(call.slot)}, gpa ${hex(call.guest_phys_addr)}, size ${hex(call.memory_size)}${flags}${uaddr}${gmem})`;
    }
    case "KVM_RUN": {
      const v = (fd as { vcpu: number }).vcpu;
      const ie = Number(call.immediate_exit ?? 0) ? ", immediate_exit=1" : "";
      const regs = Number(call.kvm_valid_regs ?? 0) ? `, kvm_valid_regs=${hex(call.kvm_valid_regs)}` : "";
      const g = call.guest === undefined || call.guest === null ? "" : `, guest ${describeGuest(call.guest)}`;
      return `KVM_RUN(vcpu ${v}${ie}${regs}${g})`;
    }
    case "pthread_kill":
      return `pthread_kill(T${String(call.thread)})`;
    default:
      return call.ioctl;
  }
}

function describeGuest(g: unknown): string {
  if (typeof g === "number") return `loads ${hex(g)}`;
  if (g === "gmem") return "touches guest_memfd";
  if (g === "mmio") return "touches MMIO";
  if (g === "none") return "spins";
  if (typeof g === "object" && g !== null) return Object.entries(g).map(([k, v]) => `${k} ${hex(v)}`).join(" ");
  return String(g);
}

export function describeResult(call: Call, result: CallResult): string {
  const base = formatReturn(result.r);
  if (call.ioctl !== "KVM_RUN" || !result.run) return base;
  const reason = Number(result.run.exit_reason);
  return `${base}, exit_reason ${exitName(reason)}`;
}
