/**
 * Untrusted input at the edge: replay tokens and `real --program` are validated by one
 * schema per call (program/schema.ts); every malformed field is one line naming its
 * path, exit 2, and the tool's own programs always pass.
 */
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { callSchema } from "../src/program/schema.js";
import { TARGETS } from "../src/targets/registry.js";
import { captureOutput } from "./capture.js";
import { CAP, V7_BODY, VCPU0, tokenOf } from "./trust-tokens.js";

const io = captureOutput();

async function refused(argv: string[], message: RegExp): Promise<void> {
  expect(await main(argv)).toBe(2);
  expect(io.err).toMatch(message);
  expect(io.err.trim().split("\n")).toHaveLength(1);
}

describe("the call schema", () => {
  it("accepts every call of every shipped target's alphabets and fixtures", () => {
    for (const t of TARGETS)
      for (const v of t.variants) {
        const s = t.subject(v.name);
        for (const call of [...s.alphabet, ...(s.exhaustive?.alphabet ?? []), ...(s.fixture ?? [])])
          expect(callSchema.safeParse(call).error?.issues ?? [], `${t.name}@${v.name} ${JSON.stringify(call)}`).toEqual([]);
      }
  });
});

describe("a replay token", () => {
  it("that is valid replays its counterexample", async () => {
    expect(await main(["replay", tokenOf(V7_BODY)])).toBe(1);
    expect(io.out).toMatch(/violated hgatp-single-view/);
  });

  it.each([
    ["a vCPU id that is a string", { th: [[{ ...VCPU0, id: "abc" }], [CAP]] }, /replay token: threads\[0\]\[0\]\.id: expected a __u64/],
    ["an fd that is not the VM's", { th: [[{ ...VCPU0, fd: "zzz" }], [CAP]] }, /threads\[0\]\[0\]\.fd: expected "vm"/],
    ["a cap argument that is a string", { th: [[VCPU0], [{ ...CAP, args: ["0ULL}}); system(\"id\"); (("] }]] }, /threads\[1\]\[0\]\.args\[0\]: expected a __u64/],
    ["more than 4 cap arguments", { th: [[VCPU0], [{ ...CAP, args: [1, 2, 3, 4, 5] }]] }, /threads\[1\]\[0\]\.args: struct kvm_enable_cap has 4 args/],
    ["flags beyond a __u32", { th: [[VCPU0], [{ ...CAP, flags: 2 ** 32 }]] }, /threads\[1\]\[0\]\.flags: expected a __u32/],
    ["a cap name that is C", { th: [[VCPU0], [{ ...CAP, cap: "KVM_CAP_X); system(\"id\"" }]] }, /threads\[1\]\[0\]\.cap: expected a KVM_CAP_ name/],
    ["a field the call does not have", { th: [[{ ...VCPU0, evil: 1 }], [CAP]] }, /threads\[0\]\[0\]: unknown field 'evil'/],
    ["an unknown ioctl", { th: [[{ ioctl: "KVM_FROB\n" }]] }, /threads\[0\]\[0\]\.ioctl: a call kvm-ordercheck does not know: 'KVM_FROB\\n'/],
    ["a signal to a thread the program does not have", { th: [[VCPU0], [{ ioctl: "pthread_kill", thread: 2 }]] }, /threads\[1\]\[0\]\.thread: T2 is not a thread of this program \(it has 2\)/],
    ["an empty thread", { th: [[VCPU0], []] }, /threads\[1\]: a thread has at least one call/],
    ["nine threads", { th: Array.from({ length: 9 }, () => [VCPU0]) }, /threads: a program has at most 8 threads/],
    ["a negative decision", { d: [-1] }, /replay token: decisions\[0\]/],
    ["a fractional decision", { d: [0.5] }, /replay token: decisions\[0\]/],
    ["a variant name with a quote", { v: 'v7"' }, /replay token: variant: expected a variant name/],
    ["a property that is a number", { p: 7 }, /replay token: property: expected a property name/],
    ["an option value with a newline", { o: { contract: "strict\n" } }, /replay token: options\.contract: expected an option name or value/],
    ["an option riscv-hgatp does not take", { o: { contract: "strict" } }, /option contract=strict is not one riscv-hgatp takes \(it takes none\)/],
    ["an option named like Object's own", { o: { constructor: "x" } }, /option constructor=x is not one riscv-hgatp takes/],
    ["a field the token does not have", { x: 1 }, /replay token: unknown field 'x'/],
    ["decisions out of range", { d: [1, 7] }, /decision 1 is 7, but that point of the execution has 2 options \(0 to 1\)/],
    ["more decisions than the execution makes", { d: [1, 1, ...Array(200).fill(0)] }, /it has 202 decisions, but its execution makes \d+ choices/],
  ])("with %s is refused on one line naming the field", async (_what, change, message) => {
    await refused(["replay", tokenOf({ ...V7_BODY, ...change })], message);
  });

  it.each([
    ["a body that is null", tokenOf(null), /replay token: expected an object/],
    ["a body that is an array", tokenOf([1]), /replay token: expected an object/],
    ["another format version", "kvmoc2.e30", /replay token is of format 2; this kvm-ordercheck reads format 1/],
    ["characters base64url does not have", `${tokenOf(V7_BODY)}!`, /not valid base64url JSON/],
    ["a megabyte and more", `kvmoc1.${"A".repeat(1 << 20)}`, /longer than 1048576 characters/],
  ])("that is %s is refused on one line", async (_what, token, message) => {
    await refused(["replay", token], message);
  });
});

describe("real --program", () => {
  it.each([
    ['"id":"abc"', [[{ ...VCPU0, id: "abc" }]], /--program\[0\]\[0\]\.id: expected a __u64/],
    ['"fd":"zzz"', [[{ ...VCPU0, fd: "zzz" }]], /--program\[0\]\[0\]\.fd: expected "vm"/],
    ['args:["x"]', [[{ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_X86_DISABLE_EXITS", args: ["x"] }]], /--program\[0\]\[0\]\.args\[0\]: expected a __u64/],
    [
      "memory_size: 1e18",
      [[{ ioctl: "KVM_SET_USER_MEMORY_REGION", fd: "vm", slot: 0, guest_phys_addr: 0, memory_size: 1e18, userspace_addr: 0 }]],
      /--program\[0\]\[0\]\.memory_size: expected a __u64 \(a whole number from 0 to 2\^53 - 1/,
    ],
    ["a slot beyond a __u32", [[{ ioctl: "KVM_SET_USER_MEMORY_REGION", fd: "vm", slot: 2 ** 32, guest_phys_addr: 0, memory_size: 0, userspace_addr: 0 }]], /--program\[0\]\[0\]\.slot: expected a __u32/],
    ["immediate_exit beyond a __u8", [[{ ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 256 }]], /--program\[0\]\[0\]\.immediate_exit: expected a __u8/],
    [
      "a memslot beyond the real backend's arena",
      [[{ ioctl: "KVM_SET_USER_MEMORY_REGION", fd: "vm", slot: 0, guest_phys_addr: 0, memory_size: 2 ** 40, userspace_addr: 0 }]],
      /--program\[0\]\[0\]: userspace_addr \+ memory_size is beyond the real backend's arena \(64 GiB/,
    ],
    ["a guest the tool has no code for", [[{ ioctl: "KVM_RUN", fd: { vcpu: 0 }, guest: "rm -rf" }]], /--program\[0\]\[0\]\.guest: expected null, a guest physical address or one of/],
  ])("with %s is refused before the device is opened, naming the field", async (_what, program, message) => {
    await refused(["real", "x86-caps", "--program", JSON.stringify(program), "--device", "/nonexistent"], message);
  });
});

describe("command-line options", () => {
  for (const { what, argv, message } of [
    { what: "a shard count beyond 2^64", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--shard", "0/99999999999999999999"], message: /--shard must be i\/n with 0 <= i < n <= 2000000/ },
    { what: "a shard count beyond the bound's limit", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--shard", "0/2000001"], message: /--shard must be i\/n/ },
    { what: "--depth without pct", argv: ["check", "riscv-hgatp@v8", "--depth", "2"], message: /--depth goes with --strategy pct/ },
    { what: "--depth with --exhaustive", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--depth", "2"], message: /--depth applies to random runs, not --exhaustive/ },
    { what: "--runs with --exhaustive", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--runs", "5"], message: /--runs applies to random runs, not --exhaustive/ },
    { what: "--seed with --exhaustive", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--seed", "5"], message: /--seed applies to random runs, not --exhaustive/ },
    { what: "--no-dpor without --exhaustive", argv: ["check", "riscv-hgatp@v8", "--no-dpor"], message: /--no-dpor goes with --exhaustive/ },
    { what: "real --runs with --program", argv: ["real", "x86-caps", "--program", JSON.stringify([[VCPU0]]), "--runs", "5"], message: /--runs draws programs; --program gives the one to run/ },
  ])
    it(`${what} is refused on one line`, async () => {
      await refused(argv, message);
    });

  it("--workers beyond the core count is capped at it, and says so", async () => {
    expect(await main(["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "2", "--calls", "1", "--workers", "256"])).toBe(0);
    expect(io.err).toMatch(/--workers 256: this machine has \d+ cores?; using \d+/);
  });
});

describe("library options", () => {
  it("that the mode would ignore are refused as the CLI refuses them", async () => {
    const { check } = await import("../src/library/check.js");
    await expect(check("riscv-hgatp@v8", { depth: 2 })).rejects.toThrow(/check option depth goes with strategy pct/);
    await expect(check("riscv-hgatp@v8", { exhaustive: true, runs: 5 })).rejects.toThrow(/check option runs applies to random runs, not exhaustive: true/);
    await expect(check("riscv-hgatp@v8", { dpor: false })).rejects.toThrow(/check option dpor: false goes with exhaustive: true/);
  });
});
