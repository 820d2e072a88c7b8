/**
 * The interface an x86-caps variant implements: the x86 paths its kernel version
 * runs where they differ from 6.18 (see X86CapsCode), and the code it transcribes.
 */
import type { X86CapsCode } from "../../kernel/x86/caps.js";
import type { PatchRef } from "../patch.js";

export interface X86CapsVariant {
  readonly name: string;
  /** One line: what this version does differently. */
  readonly summary: string;
  readonly patch: PatchRef;
  readonly code: X86CapsCode;
}
