/**
 * The interface an x86-caps variant implements: the x86 and kvm_main.c paths its
 * kernel version runs where they differ from 6.18, by kernel name (see X86CapsCode and
 * KvmMainOverrides; src/targets/x86-caps/hooks.ts lists them), and the code it transcribes.
 */
import type { KvmMainOverrides } from "../../kernel/generic/kvm.js";
import type { X86CapsCode, X86CapsKvmArch, X86CapsVcpuArch } from "../../kernel/x86/caps.js";
import type { VariantBase } from "../patch.js";

export interface X86CapsVariant extends VariantBase, X86CapsCode, KvmMainOverrides<X86CapsKvmArch, X86CapsVcpuArch> {}
