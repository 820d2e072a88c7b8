/**
 * Fuzzing the edges (fast-check): random strings, random JSON and valid input with one
 * part replaced by random JSON, given to `replay`, `merge` and `real --program` through
 * the CLI's main(). Whatever comes in, the answer is exit 0, 1 or 2 (with one line on
 * stderr for 2): never exit 3, never a thrown error.
 */
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { captureOutput } from "./capture.js";
import { V7_BODY, tokenOf } from "./trust-tokens.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `value` with the node a path of indices leads to replaced by `by` (each index taken modulo the node's children). */
function replaceAt(value: unknown, path: readonly number[], by: unknown): unknown {
  if (path.length === 0 || typeof value !== "object" || value === null) return by;
  const keys = Object.keys(value);
  if (keys.length === 0) return by;
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[key] = replaceAt((value as Record<string, unknown>)[key], path.slice(1), by);
  return copy;
}

/** Valid input with one node, anywhere, replaced by random JSON. */
const mutated = (valid: unknown) =>
  fc.tuple(fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })).map(([path, by]) => replaceAt(valid, path, by));

/** Anything a user could hand over: text, JSON, or nearly valid input. */
const input = (valid: unknown) =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j) ?? "null"),
    mutated(valid).map((j) => JSON.stringify(j) ?? "null"),
  );

const CALLS = [
  { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 },
  { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_X86_DISABLE_EXITS", flags: 0, args: [2] },
  { ioctl: "KVM_SET_USER_MEMORY_REGION", fd: "vm", slot: 0, flags: 0, guest_phys_addr: 0, memory_size: 4096, userspace_addr: 0 },
  { ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 1, guest: "io" },
];

/** The exit statuses a user may see; 2 with exactly one line on stderr. */
async function answers(argv: string[]): Promise<void> {
  io.err = "";
  const status = await main(argv);
  expect([0, 1, 2], argv.join(" ").slice(0, 300)).toContain(status);
  if (status === 2) expect(io.err.trim().split("\n"), io.err).toHaveLength(1);
}

/** A __u64 anywhere in its range, boundaries often; and as a __u32. */
const u64 = fc.oneof(fc.constantFrom(0, 1, 2, 4095, 4096, 2 ** 32 - 1, 2 ** 53 - 1), fc.nat());
const u32 = u64.map((x) => x % 2 ** 32);
const memslot = { fd: "vm", slot: u32, flags: u32, guest_phys_addr: u64, memory_size: u64, userspace_addr: u64 };

/** Calls of every ioctl the schema takes, each field anywhere in its range (the edge lets them all in). */
const call = fc.oneof(
  fc.record({ ioctl: fc.constant("KVM_CREATE_VCPU"), fd: fc.constant("vm"), id: u64 }),
  fc.record({
    ioctl: fc.constant("KVM_ENABLE_CAP"),
    fd: fc.constant("vm"),
    cap: fc.constantFrom("KVM_CAP_X86_DISABLE_EXITS", "KVM_CAP_RISCV_SET_HGATP_MODE", "KVM_CAP_DIRTY_LOG_RING", "KVM_CAP_MAX_VCPU_ID", "KVM_CAP_FOO", 5),
    flags: u32,
    args: fc.array(u64, { maxLength: 4 }),
  }),
  fc.record({ ioctl: fc.constant("KVM_CHECK_EXTENSION"), fd: fc.constantFrom("vm", "system"), cap: fc.constantFrom("KVM_CAP_VM_GPA_BITS", "KVM_CAP_MAX_VCPUS", 7) }),
  fc.record({ ioctl: fc.constant("KVM_SET_USER_MEMORY_REGION"), ...memslot, fd: fc.constant("vm") }),
  fc.record({ ioctl: fc.constant("KVM_SET_USER_MEMORY_REGION2"), ...memslot, fd: fc.constant("vm"), guest_memfd: u32 }),
  fc.constant({ ioctl: "KVM_CREATE_IRQCHIP", fd: "vm" }),
  fc.record({ ioctl: fc.constant("KVM_SET_BOOT_CPU_ID"), fd: fc.constant("vm"), id: u64 }),
  fc.record({
    ioctl: fc.constant("KVM_RUN"),
    fd: fc.record({ vcpu: u64 }),
    immediate_exit: fc.constantFrom(0, 1, 255),
    guest: fc.constantFrom(null, 0, 2 ** 45, "gmem", "mmio", "none", "io", "hlt", "spin"),
  }),
  fc.record({ ioctl: fc.constant("pthread_kill"), thread: fc.nat(7) }),
);

/** A subject and one of its properties, per target. */
const subject = fc.constantFrom(
  ["riscv-hgatp", "v7", "hgatp-single-view"],
  ["riscv-hgatp", "v2", "linearizable"],
  ["x86-caps", "current", "linearizable"],
  ["arm64-memfault", "current", "memfault-errno"],
  ["x86-memfault", "current", "linearizable"],
);

const token = (text: string) => `kvmoc1.${Buffer.from(text).toString("base64url")}`;

describe("fuzzing the input edges", () => {
  it("replay answers 0, 1 or 2 to any token", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), input(V7_BODY).map(token)), (t) => answers(["replay", t])),
      { numRuns: 150, seed: 10 },
    );
  });

  it("replay answers 0, 1 or 2 to a token of any well-typed program, on every target", async () => {
    await fc.assert(
      fc.asyncProperty(subject, fc.array(fc.array(call, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), ([t, v, p], th) =>
        answers(["replay", tokenOf({ t, v, o: {}, p, th, d: [] })]),
      ),
      { numRuns: 200, seed: 13 },
    );
  });

  it("real --program answers 0, 1 or 2 to any program", async () => {
    await fc.assert(
      fc.asyncProperty(input([CALLS, [CALLS[0]]]), (p) => answers(["real", "x86-caps", "--program", p, "--device", "/nonexistent"])),
      { numRuns: 200, seed: 11 },
    );
  });

  describe("merge", () => {
    let shard: unknown;
    beforeAll(async () => {
      let out = "";
      await main(["check", "riscv-hgatp@v7", "--exhaustive", "--threads", "2", "--calls", "1", "--workers", "1", "--shard", "0/2", "--json"], (s) => void (out += s));
      shard = JSON.parse(out);
    });

    it("answers 0, 1 or 2 to any shard file", async () => {
      // Mostly inside `result`, where merge reads.
      const text = fc.oneof(input(shard), mutated((shard as { result: unknown }).result).map((r) => JSON.stringify({ result: r })));
      await fc.assert(
        fc.asyncProperty(text, async (t) => {
          const file = join(dir, "shard.json");
          writeFileSync(file, t);
          await answers(["merge", file, "--json"]);
        }),
        { numRuns: 150, seed: 12 },
      );
      expect(readFileSync(join(dir, "shard.json"), "utf8").length).toBeGreaterThan(0);
    });
  });
});
