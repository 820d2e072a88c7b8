/**
 * kvm-ordercheck as a library: check a target, a target@variant or a variant file from
 * your own test suite and get the verdict object. `kvm-ordercheck/vitest` has matchers
 * on top of it; `kvm-ordercheck/variant` is what a variant file imports.
 */
export { check, checkVariantFile, describeViolations } from "./library/check.js";
export type { CheckOptions, PropertyResult, Verdict } from "./library/check.js";
export { UsageError } from "./targets/errors.js";
export { TARGETS } from "./targets/registry.js";
export { loadVariantFile } from "./variant/load.js";
export type { LoadedVariant } from "./variant/load.js";
export { defineVariant } from "./variant/interface.js";
export type { UserVariant } from "./variant/interface.js";
export type { Counterexample, CounterexampleSize } from "./explore/counterexample.js";
/** The one validation of programs the CLI applies to tokens and --program (zod schemas, a schema per ioctl). */
export { callSchema, programSchema } from "./program/schema.js";
export type { KvmCall } from "./program/schema.js";
