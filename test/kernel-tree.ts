/**
 * The kernel tree the selftest-style reproducers build in: $KVM_ORDERCHECK_KERNEL_TREE,
 * else ~/.cache/kvm-ordercheck/linux, as test/fixtures/selftest/prepare-kernel-tree.sh
 * prepares it (.ci/run does, before the tests). Tests that need it skip with `why`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { placement } from "../src/report/repro/kernel-tree.js";

export const tree = process.env.KVM_ORDERCHECK_KERNEL_TREE ?? join(homedir(), ".cache", "kvm-ordercheck", "linux");
export const kvm = join(tree, "tools", "testing", "selftests", "kvm");
export const prepared = existsSync(join(tree, ".kvm-ordercheck-prepared")) && existsSync(join(kvm, "lib", "kvm_util.o"));
export const why = `needs a kernel tree with the KVM selftest library built at ${tree} (test/fixtures/selftest/prepare-kernel-tree.sh; .ci/run prepares one)`;

/** x86_64 or x86, as the tree lays it out (the library here is built for the host, x86-64). */
export const x86Dir = () => placement(tree, "x86", "probe").program.split("/")[0]!;

/** A make run in the kvm selftests directory, a job per core (the programs build independently); its output is what the compiler said. */
export function make(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync("make", ["-C", kvm, `-j${availableParallelism()}`, "EXTRA_CFLAGS=-Werror", ...args], { encoding: "utf8", timeout: 300_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/**
 * Builds selftest sources (name → C) in the tree's x86 directory with -Werror, only those
 * programs (the list on the command line replaces the tree's); the files it wrote are
 * pushed to `written` for the caller to remove. Returns make's result and the programs' paths.
 */
export function buildSelftests(sources: readonly { name: string; c: string }[], written: string[]): { status: number | null; out: string; programs: string[] } {
  const dir = x86Dir();
  const programs = sources.map((e) => {
    const base = join(kvm, dir, e.name);
    writeFileSync(`${base}.c`, e.c);
    written.push(`${base}.c`, `${base}.o`, `${base}.d`, base);
    return base;
  });
  const r = make([`TEST_GEN_PROGS_${dir}=${programs.map((p) => `${dir}/${p.split("/").pop()}`).join(" ")}`, ...programs]);
  return { ...r, programs };
}

export const removeAll = (files: readonly string[]): void => files.forEach((f) => rmSync(f, { force: true }));

/**
 * The kernel's KTAP reader (tools/testing/kunit, kunit_parser.py) and python3 to run it:
 * in this tree, $KERNEL_TREE, or Debian's linux-source unpacked under /usr/src; null
 * where there is none.
 */
export function kunitDir(): string | null {
  if (spawnSync("python3", ["--version"]).status !== 0) return null;
  const trees = [tree, process.env.KERNEL_TREE, ...(existsSync("/usr/src") ? readdirSync("/usr/src").filter((d) => d.startsWith("linux-source-")).map((d) => join("/usr/src", d)) : [])];
  for (const t of trees) if (t && existsSync(join(t, "tools/testing/kunit/kunit_parser.py"))) return join(t, "tools/testing/kunit");
  return null;
}
