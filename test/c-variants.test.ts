/**
 * C variant files (`--variant-file v9.c`) and patches (`--patch v9.patch --base ...`):
 * checked beside the shipped variants, replayed, explored by worker threads; and what
 * the front end refuses, each kind with one line naming file:line:col, exit status 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { checkRandom } from "../src/explore/random.js";
import { checkVariantFile } from "../src/library/check.js";
import { findTarget } from "../src/targets/registry.js";
import { loadPatchVariant } from "../src/variant/patch/apply.js";
import { captureOutput, jsonResult } from "./capture.js";

const REPO = join(import.meta.dirname, "..");
const V8_C = readFileSync(join(REPO, "src/kernel/riscv/variants/v8.c"), "utf8");
const PATCHES = join(REPO, "test/fixtures/patches");
const dir = mkdtempSync(join(tmpdir(), "kvmoc-c-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** v8's C under another name, edited by `edit`, written to `name`. */
function v8As(name: string, edit: (s: string) => string = (s) => s): { file: string; text: string } {
  const text = edit(V8_C.replace(" * Variant: v8", ` * Variant: ${name.replace(/\.c$/, "")}`));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, text };
}

/** `line:col` of the first `needle` in `text`. */
function at(text: string, needle: string): string {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`fixture: '${needle}' not in the edited C`);
  const before = text.slice(0, i).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const noLocks = (s: string) =>
  s
    .split("\n")
    .filter((l) => !/mutex_(un)?lock\(&kvm->/.test(l))
    .join("\n");

const io = captureOutput();

describe("C variant files", () => {
  it("puts a C file's variant in its target's matrix, and flags v8 without its locks as v7 was flagged", async () => {
    const { file } = v8As("v9-nolock.c", noLocks);
    expect(await main(["check", "riscv-hgatp@v8", "riscv-hgatp@v9-nolock", "--variant-file", file, "--runs", "400", "--seed", "3", "--property", "hgatp-single-view", "lockdep"])).toBe(1);
    expect(io.out).toMatch(/riscv-hgatp@v8 +holds +holds/);
    expect(io.out).toMatch(/riscv-hgatp@v9-nolock +2c\/2t\/1p(?: ×\d+)? +1c\/1t\/0p/);
  });

  it("replays a C variant's counterexample with the same file", async () => {
    const { file } = v8As("v9-nolock.c", noLocks);
    expect(await main(["check", "riscv-hgatp@v9-nolock", "--variant-file", file, "--runs", "400", "--seed", "3", "--property", "hgatp-single-view", "--json"])).toBe(1);
    const j = jsonResult(io.out);
    io.out = "";
    expect(await main(["replay", j.replay, "--json", "--variant-file", file])).toBe(1);
    expect(jsonResult(io.out).counterexample.message).toBe(j.counterexample.message);
  });

  it("runs exhaustive mode on worker threads that translate the C file themselves", async () => {
    const { file } = v8As("v9-nolock.c", noLocks);
    expect(await main(["check", "riscv-hgatp@v9-nolock", "--variant-file", file, "--exhaustive", "--workers", "2", "--property", "hgatp-single-view", "--json"])).toBe(1);
    expect(jsonResult(io.out)).toMatchObject({ mode: "exhaustive", verdict: "violated" });
  });

  it("checks a C file through the library, which needs the target a C file does not name", async () => {
    const { file } = v8As("v9c.c");
    const v = await checkVariantFile(file, { target: "riscv-hgatp", runs: 200 });
    expect(v).toMatchObject({ spec: "riscv-hgatp@v9c", holds: true });
    await expect(checkVariantFile(file, { runs: 10 })).rejects.toThrow(/a C variant takes its target from the command/);
  });

  it("says which lines of the C no explored execution ran (v8's check for more levels than the host has can never fire)", async () => {
    const { file, text } = v8As("v9cov.c");
    const v = await checkVariantFile(file, { target: "riscv-hgatp", exhaustive: true, properties: ["no-oops"] });
    const line = at(text, "return -EINVAL;\n\n\t\t/* Follow").split(":")[0];
    expect(v.proof.join("\n")).toMatch(new RegExp(`not exercised: v9cov\\.c:[^;]*\\b${line}\\b`));
  });

  it("stops a C loop that never ends with the step budget, as a problem of the file", async () => {
    const { file } = v8As("v9-spin.c", (s) =>
      s.replace("int kvm_vm_ioctl_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)\n{", "$&\n\tunsigned long spins = 0;\n\twhile (cap->cap == KVM_CAP_VM_GPA_BITS)\n\t\tspins++;"),
    );
    expect(await main(["check", "riscv-hgatp@v9-spin", "--variant-file", file, "--runs", "50", "--seed", "1"])).toBe(2);
    expect(io.err.trim()).toMatch(/v9-spin\.c: kvm_vm_ioctl_enable_cap\(\) ran more than 100000 statements in one call/);
    expect(io.err.trim().split("\n")).toHaveLength(1);
  });
});

describe("C variants of every target's fixes", () => {
  it("the x86 dirty-ring fix in C (the set-once test under kvm->lock) holds every property for all programs of 2x2", async () => {
    const v = await checkVariantFile(join(REPO, "docs/examples/x86-dirty-ring-fix.c"), { target: "x86-caps", exhaustive: true });
    expect(v.spec).toBe("x86-caps@dirty-ring-fix-c");
    expect(v.properties.filter((p) => p.verdict !== "holds")).toEqual([]);
    expect(v.proof).toContainEqual(expect.stringMatching(/^linearizable holds for all programs of <= 2 calls per thread on <= 2 threads/));
  });

  it("the dirty ring as merged, in C, races: two KVM_CAP_DIRTY_LOG_RING enables both succeed", async () => {
    const file = join(dir, "ring-6.18.c");
    writeFileSync(file, readFileSync(join(REPO, "src/kernel/x86/variants/caps-current.c"), "utf8").replace(" * Variant: current", " * Variant: ring-6.18"));
    const v = await checkVariantFile(file, { target: "x86-caps", exhaustive: true, properties: ["linearizable"] });
    const p = v.properties[0]!;
    expect(p.verdict).toBe("violated");
    if (p.verdict === "violated") expect(p.counterexample.threads.flat().map((c) => c.cap)).toEqual(["KVM_CAP_DIRTY_LOG_RING", "KVM_CAP_DIRTY_LOG_RING"]);
  });

  it("an arm64 gmem_abort() error branch in C that prepares the exit and resumes the guest (returns 0) leaks the exit into an -EINTR return", async () => {
    const file = join(dir, "resume.c");
    writeFileSync(
      file,
      "/* Variant: resume */\nstatic int gmem_abort(struct kvm_vcpu *vcpu, gpa_t gpa, gpa_t size, bool is_write, bool is_exec, bool is_private, int err)\n{\n\tkvm_prepare_memory_fault_exit(vcpu, gpa, size, is_write, is_exec, is_private);\n\treturn 0;\n}\n",
    );
    const v = await checkVariantFile(file, { target: "arm64-memfault", exhaustive: true, properties: ["memfault-errno", "no-memfault-leak"] });
    const leak = v.properties.find((p) => p.property === "no-memfault-leak")!;
    expect(leak.verdict).toBe("violated");
    if (leak.verdict === "violated") expect(leak.message).toMatch(/KVM_RUN.* returned -1 EINTR after writing vcpu0->run->memory_fault/);
    // The guest re-faults until a signal; KVM_EXIT_INTR overwrites exit_reason, so memfault-errno itself holds (as for the TypeScript form).
    expect(v.properties.find((p) => p.property === "memfault-errno")!.verdict).toBe("holds");
  });
});

describe("what the C front end refuses (one line naming file:line:col, exit 2)", () => {
  const cases: { what: string; edit: (s: string) => string; where: string; says: RegExp }[] = [
    { what: "a syntax error", edit: (s) => s.replace("int r = 0;", "int r = ;"), where: " ;", says: /syntax error at a missing 'identifier'/ },
    { what: "a field of a kernel struct the model does not have", edit: (s) => s.replace("kvm->created_vcpus", "kvm->nr_vcpus"), where: "nr_vcpus", says: /kvm->nr_vcpus: the model has no such field/ },
    { what: "a call of a function the model does not have", edit: (s) => s.replace("!kvm_are_all_memslots_empty(kvm)", "!kvm_memslots_empty(kvm)"), where: "kvm_memslots_empty", says: /kvm_memslots_empty\(\): a function the model does not have/ },
    { what: "a name that is not a local, a parameter or a known constant", edit: (s) => s.replace("r = -EBUSY;", "r = -EBUSYY;"), where: "EBUSYY", says: /'EBUSYY': not a local, a parameter or a constant/ },
    { what: "a backward goto", edit: (s) => s.replace("\t\tmutex_unlock(&kvm->lock);\n", "\t\tmutex_unlock(&kvm->lock);\n\t\tif (r)\n\t\t\tgoto again;\n").replace("\t\tmutex_lock(&kvm->lock);\n", "again:\n\t\tmutex_lock(&kvm->lock);\n"), where: "goto again;", says: /a backward goto \(to again\)/ },
    { what: "sizeof", edit: (s) => s.replace("int r = 0;", "int r = sizeof(long);"), where: "sizeof(long)", says: /sizeof is outside the C subset/ },
    { what: "a dereference with *", edit: (s) => s.replace("if (cap->flags)", "if ((*cap).flags)"), where: "*cap).", says: /dereferencing with \* is outside the C subset/ },
    { what: "a string", edit: (s) => s.replace("if (cap->flags)", 'if ("flags")'), where: '"flags"', says: /a string is outside the C subset/ },
    { what: "a type that is not an integer or a kernel struct pointer", edit: (s) => s.replace("unsigned long new_levels;", "double new_levels;"), where: "double", says: /type 'double' is outside the C subset/ },
    { what: "a config option the model does not know", edit: (s) => s.replace("#ifdef CONFIG_64BIT", "#ifdef CONFIG_FOO"), where: "CONFIG_FOO", says: /CONFIG_FOO: not a config option the model knows/ },
    { what: "a global variable", edit: (s) => s.replace("int kvm_vm_ioctl_check_extension", "static int calls;\n\nint kvm_vm_ioctl_check_extension"), where: "static int calls;", says: /a global variable is outside the C subset/ },
    { what: "an assignment to a field only the model writes", edit: (s) => s.replace("int r = 0;", "int r = 0;\n\t\tkvm->max_vcpus = 1;"), where: "kvm->max_vcpus = 1", says: /assigning to 'kvm->max_vcpus' is outside the C subset/ },
    { what: "the address of a shared integer", edit: (s) => s.replace("mutex_lock(&kvm->lock);", "mutex_lock(&kvm->created_vcpus);"), where: "&kvm->created_vcpus", says: /taking the address of 'kvm->created_vcpus'/ },
    { what: "GNU's ?: without a middle operand", edit: (s) => s.replace("int r = 0;", "int r = cap->flags ?: 0;"), where: "cap->flags ?:", says: /GNU's \?: without a middle operand/ },
    { what: "an enum", edit: (s) => s.replace("int r = 0;", "enum { R0 } r = R0;"), where: "enum", says: /type 'enum \{ R0 \}' is outside the C subset/ },
    { what: "a hook with parameters the model does not pass", edit: (s) => s.replace("kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)", "kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext, int extra)"), where: "int kvm_vm_ioctl_check_extension", says: /kvm_vm_ioctl_check_extension\(\) has 3 parameters; the model calls it with 2/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, async () => {
      const { file, text } = v8As("bad.c", c.edit);
      expect(text).not.toBe(v8As("v8-copy.c").text);
      expect(await main(["check", "riscv-hgatp", "--variant-file", file, "--runs", "1"])).toBe(2);
      const lines = io.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${file}:${at(text, c.where)}: `);
      expect(lines[0]).toMatch(c.says);
    });
  }

  it("refuses a file that defines none of the functions the target lets a variant replace", async () => {
    const file = join(dir, "helpers-only.c");
    writeFileSync(file, "static int twice(int x)\n{\n\treturn 2 * x;\n}\n");
    expect(await main(["check", "riscv-hgatp", "--variant-file", file, "--runs", "1"])).toBe(2);
    expect(io.err).toMatch(/helpers-only\.c: defines none of the functions riscv-hgatp lets a variant replace \(kvm_vm_ioctl_enable_cap\(\), kvm_vm_ioctl_check_extension\(\)\)/);
  });

  it("refuses a function that no function the model calls reaches", async () => {
    const { file, text } = v8As("unreached.c", (s) => `${s}\nint kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)\n{\n\treturn 0;\n}\n`);
    expect(await main(["check", "riscv-hgatp", "--variant-file", file, "--runs", "1"])).toBe(2);
    expect(io.err.trim()).toBe(
      `kvm-ordercheck: ${file}:${at(text, "int kvm_arch_vcpu_create")}: kvm_arch_vcpu_create() is neither a function riscv-hgatp lets a variant replace (kvm_vm_ioctl_enable_cap(), kvm_vm_ioctl_check_extension()) nor called by one: the model does not have it`,
    );
  });

  it("refuses a generic KVM_RUN return path that touches shared state before the arch's KVM_RUN returned", async () => {
    const file = join(dir, "early.c");
    writeFileSync(
      file,
      "long kvm_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)\n{\n\tstruct kvm_vcpu *vcpu = filp->private_data;\n\tint r;\n\n\tvcpu->run->exit_reason = KVM_EXIT_UNKNOWN;\n\tr = kvm_arch_vcpu_ioctl_run(vcpu);\n\treturn r;\n}\n",
    );
    expect(await main(["check", "x86-memfault", "--variant-file", file, "--runs", "100", "--seed", "1"])).toBe(2);
    expect(io.err).toMatch(/early\.c: kvm_vcpu_ioctl\(\) touches shared state before r = kvm_arch_vcpu_ioctl_run\(vcpu\)/);
  });
});

describe("patches (--patch, --base)", () => {
  /** The random verdicts, each with its counterexample's size. */
  const row = (s: ReturnType<typeof findTarget>["subject"] extends (...a: never[]) => infer S ? S : never) =>
    checkRandom(s, { runs: 400, seed: 5, maxThreads: 2, maxCalls: 2 }).verdicts.map((v) => (v.verdict === "violated" ? `${v.property} ${v.counterexample.size.calls}c/${v.counterexample.size.threads}t` : `${v.property} ${v.verdict}`));

  it("v8 as a patch against v7's C reproduces v8's row, named from its subject line", async () => {
    const v = await loadPatchVariant(join(PATCHES, "v8-against-v7.patch"), "riscv-hgatp", "riscv-hgatp@v7");
    expect(v.spec).toBe("riscv-hgatp@v8-patch");
    expect(v.variant.patch).toMatchObject({ title: "[PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE", messageId: "20260403153019.9916-4-fangyu.yu@linux.alibaba.com", date: "2026-04-03" });
    expect(row(v.subject())).toEqual(row(findTarget("riscv-hgatp").subject("v8", {})));
  });

  it("v7 as a patch against v2's C reproduces v7's row", async () => {
    const v = await loadPatchVariant(join(PATCHES, "v7-against-v2.patch"), "riscv-hgatp", "riscv-hgatp@v2");
    expect(v.spec).toBe("riscv-hgatp@v7-patch");
    const want = row(findTarget("riscv-hgatp").subject("v7", {}));
    expect(want.some((p) => p.startsWith("hgatp-single-view 2c/2t"))).toBe(true);
    expect(row(v.subject())).toEqual(want);
  });

  it("checks a patch from the command line beside the shipped variants", async () => {
    expect(await main(["check", "riscv-hgatp", "--patch", join(PATCHES, "v8-against-v7.patch"), "--base", "riscv-hgatp@v7", "--runs", "300", "--seed", "3", "--property", "hgatp-single-view"])).toBe(1);
    expect(io.out).toMatch(/riscv-hgatp@v7 +2c\/2t\/1p/);
    expect(io.out).toMatch(/riscv-hgatp@v8-patch +holds/);
  });

  it("takes a b4 mailbox of a series, leaving out the cover letter and the documentation", async () => {
    const patch = readFileSync(join(PATCHES, "v8-against-v7.patch"), "utf8");
    const cover =
      "From git@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH v8 0/3] RISC-V: KVM: per-VM HGATP mode\nMessage-Id: <20260403153019.9916-1-fangyu.yu@linux.alibaba.com>\n\nThe cover letter.\n\n";
    const doc =
      "From git@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH v8 1/3] KVM: doc\nMessage-Id: <doc@example>\n\n---\n--- a/Documentation/virt/kvm/api.rst\n+++ b/Documentation/virt/kvm/api.rst\n@@ -1,1 +1,2 @@\n text\n+more text\n";
    const file = join(dir, "series.mbx");
    writeFileSync(file, cover + doc + patch.replace(/^From \S+ .*$/m, "From git@z Thu Jan  1 00:00:00 1970"));
    const v = await loadPatchVariant(file, "riscv-hgatp", "riscv-hgatp@v7");
    expect(v.spec).toBe("riscv-hgatp@v8-patch");
  });

  it("refuses a hunk that does not apply to the base's C, naming it", async () => {
    expect(await main(["check", "riscv-hgatp", "--patch", join(PATCHES, "v8-against-v7.patch"), "--base", "riscv-hgatp@v2", "--runs", "1"])).toBe(2);
    const lines = io.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/v8-against-v7\.patch: hunk 1 of arch\/riscv\/kvm\/vm\.c \(@@ -1,38 \+1,26 @@\) does not apply to the C of riscv-hgatp@v2 \(.*v2\.c\): its context lines are not in it/);
  });

  it("refuses a hunk of a function the model does not have", async () => {
    const file = join(dir, "mmu.patch");
    writeFileSync(
      file,
      "Subject: [PATCH v9] RISC-V: KVM: map\n\n---\n--- a/arch/riscv/kvm/mmu.c\n+++ b/arch/riscv/kvm/mmu.c\n@@ -10,3 +10,4 @@ int kvm_riscv_mmu_map(struct kvm_vcpu *vcpu, struct kvm_memory_slot *memslot)\n \tstruct kvm_gstage gstage;\n+\tint levels;\n \tint ret;\n \n",
    );
    expect(await main(["check", "riscv-hgatp", "--patch", file, "--runs", "1"])).toBe(2);
    expect(io.err.trim()).toMatch(/mmu\.patch: hunk 1 of arch\/riscv\/kvm\/mmu\.c \(@@ -10,3 \+10,4 @@ int kvm_riscv_mmu_map\(.*\)\) does not apply to the C of riscv-hgatp@v8 .*: kvm_riscv_mmu_map\(\) is not in it: the model does not have that function$/);
  });

  it("refuses --base of a variant without C and --base without --patch", async () => {
    expect(await main(["check", "riscv-hgatp", "--patch", join(PATCHES, "v8-against-v7.patch"), "--base", "riscv-hgatp@v9", "--runs", "1"])).toBe(2);
    expect(io.err).toMatch(/--base riscv-hgatp@v9: unknown variant \(known: v2, v7, v8\)/);
    expect(await main(["check", "riscv-hgatp", "--base", "riscv-hgatp@v7", "--runs", "1"])).toBe(2);
    expect(io.err).toMatch(/--base goes with --patch/);
  });
});
