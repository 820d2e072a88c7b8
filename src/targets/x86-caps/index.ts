/**
 * Target `x86-caps`: the x86 VM-wide configuration rules (before-vCPU caps and ioctls,
 * the vCPU id limits, memslot checks; kernel-facts C, H) on Linux 6.18 as the project's
 * PVM host runs it, so that the real backend (src/real) can run the same Subject beside
 * /dev/kvm call by call. Variants: `current` (6.18) and `pre-3e515705` (KVM_CREATE_IRQCHIP
 * before the CVE-2012-1601 fix).
 */
import { x86VmReference } from "../../../model/x86-vm.js";
import { beforeVcpu } from "../../../properties/before-vcpu.js";
import { vcpuApic } from "../../../properties/irqchip-lapic.js";
import { lockdep, noDeadlock, noOops, noWarn } from "../../../properties/kernel-faults.js";
import { linearizable } from "../../../properties/linearizable.js";
import { kvm_create_vm } from "../../kernel/generic/kvm.js";
import type { SyscallContext } from "../../kernel/generic/syscall.js";
import { sys_ioctl } from "../../kernel/generic/syscall.js";
import type { K } from "../../kernel/rt/ops.js";
import { execute } from "../../kernel/rt/execution.js";
import { SharedState } from "../../kernel/rt/state.js";
import type { Call, CallResult } from "../../kernel/rt/trace.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import type { X86CapsKvmArch, X86CapsVcpuArch } from "../../kernel/x86/caps.js";
import { x86CapsArchOps } from "../../kernel/x86/caps.js";
import { x86CapsCurrent } from "../../kernel/x86/variants/caps-current.js";
import { x86CapsPre3e515705 } from "../../kernel/x86/variants/caps-pre-3e515705.js";
import { mainOverridesOf, widenAlphabet } from "../hooks.js";
import type { Subject, Target } from "../target.js";
import { x86CapsHooks } from "./hooks.js";
import { x86CapsAlphabet, x86CapsExhaustiveAlphabet } from "./alphabet.js";
import type { X86CapsVariant } from "./variant.js";

export const X86_CAPS_VARIANTS: readonly X86CapsVariant[] = [x86CapsCurrent, x86CapsPre3e515705];

type Ctx = SyscallContext<X86CapsKvmArch, X86CapsVcpuArch>;

/**
 * One program call. A successful KVM_CREATE_VCPU returns a new fd, whose number the
 * real kernel picks and the models cannot know: both worlds report it as 0.
 */
export function* x86CapsIoctl(ctx: Ctx, tid: number, call: Call): K<CallResult> {
  const res = yield* sys_ioctl(ctx, tid, call);
  return call.ioctl === "KVM_CREATE_VCPU" && res.r >= 0 ? { ...res, r: 0 } : res;
}

export function x86CapsSubject(variant: X86CapsVariant): Subject {
  const ops = x86CapsArchOps(variant);
  const main = mainOverridesOf(variant);
  const model = x86VmReference();
  return {
    target: "x86-caps",
    variant: variant.name,
    summary: variant.summary,
    patch: variant.patch,
    alphabet: x86CapsAlphabet(),
    exhaustive: { alphabet: widenAlphabet(x86CapsExhaustiveAlphabet(), x86CapsHooks, variant) },
    ...(variant.lines ? { lines: variant.lines } : {}),
    properties: [beforeVcpu, vcpuApic, linearizable(model), lockdep, noOops, noDeadlock, noWarn],
    model: model as Subject["model"],
    execute(threads, scheduler) {
      const shared = new SharedState();
      const ctx: Ctx = { kvm: kvm_create_vm(ops, shared, { main }), caps: UAPI_CAPS, hooks: {} };
      return execute(ctx, shared, threads, (c, tid, call) => x86CapsIoctl(c, tid, call), scheduler);
    },
  };
}

export const x86Caps: Target = {
  name: "x86-caps",
  summary: "x86 before-vCPU caps and ioctls, vCPU id limits and memslot checks, as Linux 6.18 on the PVM host enforces them",
  variants: X86_CAPS_VARIANTS.map(({ name, summary, patch }) => ({ name, summary, patch })),
  hooks: x86CapsHooks,
  subject(name) {
    const v = X86_CAPS_VARIANTS.find((x) => x.name === name);
    if (!v) throw new Error(`x86-caps has no variant ${name}`);
    return x86CapsSubject(v);
  },
};
