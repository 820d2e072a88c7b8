import { describe, expect, it } from "vitest";
import { createVcpu } from "../src/program/calls.js";
import { runSequential } from "../model/reference.js";
import { riscvVmReference } from "../model/riscv-vm.js";
import { checkLinearizable } from "../src/check/linearizability.js";
import type { Call, HistoryEntry } from "../src/kernel/rt/trace.js";
import { v2 } from "../src/kernel/riscv/variants/v2.js";
import { v8 } from "../src/kernel/riscv/variants/v8.js";
import { EBUSY, EFAULT, EINVAL } from "../src/kernel/uapi/errno.js";

const cap = (bits: number): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_VM_GPA_BITS", flags: 0, args: [bits] });
const vcpu = createVcpu;
const slot = (gpa: number): Call => ({
  ioctl: "KVM_SET_USER_MEMORY_REGION",
  fd: "vm",
  slot: 0,
  flags: 0,
  guest_phys_addr: gpa,
  memory_size: 2 ** 21,
  userspace_addr: 2 ** 32,
});
const gpaBits: Call = { ioctl: "KVM_CHECK_EXTENSION", fd: "vm", cap: "KVM_CAP_VM_GPA_BITS" };
const seq = (...h: [Call, number][]) => h.map(([call, r]) => ({ call, result: { r } }));

describe("reference model (v8's documentation)", () => {
  const model = riscvVmReference(v8.contract);

  it("accepts documented histories", () => {
    expect(runSequential(model, seq([cap(48), 0], [cap(41), 0], [gpaBits, 41], [vcpu(0), 0], [cap(50), -EBUSY])).ok).toBe(true);
    expect(runSequential(model, seq([slot(0), 0], [cap(41), -EBUSY], [slot(2 ** 45), 0])).ok).toBe(true);
    expect(runSequential(model, seq([cap(41), 0], [slot(2 ** 45), -EFAULT], [cap(60), -EINVAL])).ok).toBe(true);
  });

  it("rejects a cap accepted after a vCPU, a wrong GPA size and an unchecked memslot", () => {
    const late = runSequential(model, seq([vcpu(0), 0], [cap(41), 0]));
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.reason).toMatch(/promises -1 EBUSY \(a vCPU exists\)/);
    expect(runSequential(model, seq([cap(41), 0], [gpaBits, 59])).ok).toBe(false);
    expect(runSequential(model, seq([cap(41), 0], [slot(2 ** 45), 0])).ok).toBe(false);
  });

  it("under v2's documentation, rejects a second set that returns 0", () => {
    const m2 = riscvVmReference(v2.contract);
    const set = (mode: number): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_RISCV_SET_HGATP_MODE", flags: 0, args: [mode] });
    expect(runSequential(m2, seq([set(8), 0])).ok).toBe(true);
    expect(runSequential(m2, seq([set(8), 0], [set(9), 0])).ok).toBe(false);
  });
});

describe("linearizability", () => {
  const model = riscvVmReference(v8.contract);
  const entry = (tid: number, call: Call, r: number, invokedAt: number, returnedAt: number): HistoryEntry => ({
    tid,
    index: 0,
    call,
    invokedAt,
    returnedAt,
    result: { r },
  });

  it("accepts overlapping calls in whichever order explains them", () => {
    // The cap returned EBUSY, the vCPU creation overlapped it: the creation goes first.
    expect(checkLinearizable(model, [entry(0, cap(41), -EBUSY, 0, 5), entry(1, vcpu(0), 0, 1, 9)]).ok).toBe(true);
  });

  it("keeps real-time order: a call that returned before another began cannot move after it", () => {
    expect(checkLinearizable(model, [entry(0, cap(41), -EBUSY, 0, 2), entry(1, vcpu(0), 0, 3, 9)]).ok).toBe(false);
  });

  it("rejects a memslot and a cap that each needed to come first", () => {
    const r = checkLinearizable(model, [entry(0, slot(2 ** 45), 0, 0, 9), entry(1, cap(41), 0, 1, 8)]);
    expect(r.ok).toBe(false);
  });
});
