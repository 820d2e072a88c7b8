/**
 * The one validation of a program (zod): a schema per ioctl, shared by replay tokens,
 * `real --program`, the calls a variant file's numbers become and the library. Every
 * field is range-checked to what its kernel uAPI field holds (`struct kvm_enable_cap`'s
 * `__u32 cap, flags; __u64 args[4]`, `struct kvm_userspace_memory_region2`'s `__u32
 * slot, flags; __u64 guest_phys_addr, memory_size, userspace_addr`, the ioctl's
 * `unsigned long` argument, `kvm_run`'s `__u8 immediate_exit`); a __u64 is limited to
 * JSON's exact integers (2^53 - 1), since a program is JSON. Names (ioctls, caps,
 * guests) are checked against the tool's own tables or a C identifier's spelling.
 *
 * Input is validated here, once, at the edge; the rest of the code trusts the calls it
 * gets: C reproducers, HTML and diagrams print only values that passed this.
 */
import { z } from "zod";
import type { Call } from "../kernel/rt/trace.js";
import type { Threads } from "../targets/target.js";

export const U8_MAX = 0xff;
export const U32_MAX = 0xffff_ffff;
/** A __u64 or an `unsigned long` as a program can carry it: JSON numbers are exact up to 2^53 - 1. */
export const U64_MAX = Number.MAX_SAFE_INTEGER;

/** At most this many threads (the CLI's --threads bound) and calls per thread in a program. */
export const MAX_THREADS = 8;
export const MAX_CALLS_PER_THREAD = 4096;

const uint = (type: string, max: number, maxText = String(max)) =>
  z.custom<number>((v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max, {
    error: `expected a ${type} (a whole number from 0 to ${maxText})`,
  });

/** Schemas of the integer types a uAPI field has, named as the kernel names them. */
export const u8 = uint("__u8", U8_MAX);
export const u32 = uint("__u32", U32_MAX);
export const u64 = uint("__u64", U64_MAX, "2^53 - 1, the largest JSON holds exactly");

/** A capability: its uapi name (the table a target or its patch has decides whether it is known) or its number. */
const capName = z.string().regex(/^KVM_CAP_[A-Z0-9_]{1,64}$/, { error: "expected a KVM_CAP_ name or a cap number" });
const cap = z.union([capName, u32], { error: "expected a KVM_CAP_ name or a cap number (a __u32)" });

const vmFd = z.literal("vm", { error: 'expected "vm" (a VM ioctl)' });

/** What the guest does once KVM_RUN enters it: a GPA it loads from (riscv), or a script (kernel/generic/guest.ts, real/guest.ts). */
export const GUEST_SCRIPTS = ["gmem", "mmio", "none", "io", "hlt", "spin"] as const;
const guest = z.union([z.null(), u64, z.enum(GUEST_SCRIPTS)], {
  error: `expected null, a guest physical address or one of ${GUEST_SCRIPTS.join(", ")}`,
});

const memslot = {
  fd: vmFd,
  slot: u32,
  flags: u32.optional(),
  guest_phys_addr: u64,
  memory_size: u64,
  userspace_addr: u64,
};

/** One schema per ioctl the models and the real backend run, keyed by its name. */
const CALLS = {
  KVM_CREATE_VCPU: z.strictObject({ ioctl: z.literal("KVM_CREATE_VCPU"), fd: vmFd, id: u64 }),
  KVM_ENABLE_CAP: z.strictObject({
    ioctl: z.literal("KVM_ENABLE_CAP"),
    fd: vmFd,
    cap,
    flags: u32.optional(),
    args: z.array(u64).max(4, { error: "struct kvm_enable_cap has 4 args" }).optional(),
  }),
  KVM_CHECK_EXTENSION: z.strictObject({
    ioctl: z.literal("KVM_CHECK_EXTENSION"),
    fd: z.enum(["vm", "system"], { error: 'expected "vm" or "system" (/dev/kvm)' }),
    cap,
  }),
  KVM_SET_USER_MEMORY_REGION: z.strictObject({ ioctl: z.literal("KVM_SET_USER_MEMORY_REGION"), ...memslot }),
  KVM_SET_USER_MEMORY_REGION2: z.strictObject({
    ioctl: z.literal("KVM_SET_USER_MEMORY_REGION2"),
    ...memslot,
    guest_memfd: u32.optional(),
    guest_memfd_offset: u64.optional(),
  }),
  KVM_CREATE_IRQCHIP: z.strictObject({ ioctl: z.literal("KVM_CREATE_IRQCHIP"), fd: vmFd }),
  KVM_SET_BOOT_CPU_ID: z.strictObject({ ioctl: z.literal("KVM_SET_BOOT_CPU_ID"), fd: vmFd, id: u64 }),
  KVM_RUN: z.strictObject({
    ioctl: z.literal("KVM_RUN"),
    fd: z.strictObject({ vcpu: u64 }, { error: "expected { vcpu: <id> } (a vCPU ioctl)" }),
    immediate_exit: u8.optional(),
    kvm_valid_regs: u64.optional(),
    guest: guest.optional(),
  }),
  /** Not an ioctl: a signal to program thread `thread` (its KVM_RUN returns -EINTR). */
  pthread_kill: z.strictObject({ ioctl: z.literal("pthread_kill"), thread: uint("thread index", MAX_THREADS - 1) }),
} as const;

export type Ioctl = keyof typeof CALLS;
export const IOCTLS = Object.keys(CALLS) as Ioctl[];

/** Where the ioctl is unknown or missing: the tool's list, and what was given (printable). */
function unknownIoctl(input: unknown): string {
  const name = typeof input === "object" && input !== null ? (input as { ioctl?: unknown }).ioctl : undefined;
  return typeof name === "string"
    ? `a call kvm-ordercheck does not know: '${printable(name)}' (known: ${IOCTLS.join(", ")})`
    : `expected one of ${IOCTLS.join(", ")}`;
}

export const callSchema = z.discriminatedUnion(
  "ioctl",
  [
    CALLS.KVM_CREATE_VCPU,
    CALLS.KVM_ENABLE_CAP,
    CALLS.KVM_CHECK_EXTENSION,
    CALLS.KVM_SET_USER_MEMORY_REGION,
    CALLS.KVM_SET_USER_MEMORY_REGION2,
    CALLS.KVM_CREATE_IRQCHIP,
    CALLS.KVM_SET_BOOT_CPU_ID,
    CALLS.KVM_RUN,
    CALLS.pthread_kill,
  ],
  { error: (iss) => (iss.code === "invalid_union" ? unknownIoctl(iss.input) : "expected a call (an object with an ioctl)") },
);

/** A call as the schema of its ioctl says: the typed form of `Call`. */
export type KvmCall = z.infer<typeof callSchema>;

/** A program: threads (1 to MAX_THREADS), each a non-empty list of calls. */
export const programSchema = z
  .array(
    z
      .array(callSchema, { error: "expected a thread: an array of calls" })
      .min(1, { error: "a thread has at least one call" })
      .max(MAX_CALLS_PER_THREAD, { error: `a thread has at most ${MAX_CALLS_PER_THREAD} calls` }),
    { error: "expected an array of threads, each an array of calls" },
  )
  .min(1, { error: "a program has at least one thread" })
  .max(MAX_THREADS, { error: `a program has at most ${MAX_THREADS} threads` });

/** A string from input, shown in an error: at most 40 characters, control characters escaped. */
export function printable(s: string): string {
  const short = s.length > 40 ? `${s.slice(0, 40)}...` : s;
  return JSON.stringify(short).slice(1, -1);
}

/** `threads[0][1].id`: a zod issue path as a reader writes it, after `root`. */
export function pathText(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : `${s}${s ? "." : ""}${String(k)}`), root);
}

/** One line: the first thing wrong, named by its path from `root`. */
export function issueText(root: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const what = issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((k) => `'${printable(k)}'`).join(", ")}` : issue.message;
  const where = pathText(root, issue.path);
  return `${where}${where ? ": " : ""}${what}`.replace(/\s+/g, " ");
}

/**
 * `input` as a program, or `fail(line)` with the first thing wrong (`root` names where
 * the program came from: `--program`, `threads`). Returns the parsed copy, so that no
 * getter or prototype of the input is read again later.
 */
export function parseProgram(input: unknown, root: string, fail: (line: string) => Error): Threads {
  const r = programSchema.safeParse(input);
  if (!r.success) throw fail(issueText(root, r.error));
  return r.data as readonly (readonly Call[])[];
}

/** One call, as parseProgram checks it. */
export function parseCall(input: unknown, root: string, fail: (line: string) => Error): Call {
  const r = callSchema.safeParse(input);
  if (!r.success) throw fail(issueText(root, r.error));
  return r.data as Call;
}
