/**
 * `no-memfault-leak`: a KVM_RUN that returns anything but -1/EFAULT or -1/EHWPOISON
 * does not change `kvm_run->memory_fault.{gpa,size,flags}`: which memory the guest
 * touched is not exposed unless the exit is a memory fault (Alexandru Elisei's point in
 * the RFC thread). api.rst promises nothing here, so only the strict reading has it.
 */
import { history } from "../src/kernel/rt/trace.js";
import { EFAULT, EHWPOISON, formatReturn } from "../src/kernel/uapi/errno.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

const MEMORY_FAULT = /->run->memory_fault\.(gpa|size|flags)$/;

export const noMemfaultLeak: Property = {
  name: "no-memfault-leak",
  statement: "a KVM_RUN that returns anything but -1/EFAULT or -1/EHWPOISON leaves memory_fault.{gpa,size,flags} as they were",
  check(ex) {
    const runs = history(ex.events).filter((h) => h.call.ioctl === "KVM_RUN" && h.result && h.result.r !== -EFAULT && h.result.r !== -EHWPOISON);
    for (const h of runs) {
      const w = ex.events.find(
        (e) => e.kind === "write" && e.tid === h.tid && e.call === h.index && MEMORY_FAULT.test(e.loc) && e.value !== e.old,
      );
      if (w && w.kind === "write")
        return violated(
          `T${h.tid}:${describeCall(h.call)} returned ${formatReturn(h.result!.r)} after writing ${w.loc} = 0x${Number(w.value).toString(16)} (event ${w.i})`,
          [w.i, h.returnedAt!],
        );
    }
    return HOLDS;
  },
};
