/**
 * A selftest-style reproducer put where a kernel developer keeps KVM selftests: the file
 * in tools/testing/selftests/kvm/<arch dir>/ and its line in the list the kvm Makefile
 * builds (`TEST_GEN_PROGS_<arch dir> += <arch dir>/<name>`). Trees lay these out in two
 * ways: up to 6.13 the lists are in kvm/Makefile and the directories are x86_64/ and
 * aarch64/; from 6.14 they are in kvm/Makefile.kvm and the directories are x86/ and
 * arm64/. Both are read from the tree, never assumed.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../targets/errors.js";
import type { Arch } from "./plan.js";

const KVM_SELFTESTS = join("tools", "testing", "selftests", "kvm");

/** The directory names an architecture's KVM selftests have had, newest first. */
const ARCH_DIRS: Record<Arch, readonly string[]> = { x86: ["x86", "x86_64"], arm64: ["arm64", "aarch64"], riscv: ["riscv"] };

/** A C identifier-like file name for the test: kvm_ordercheck_<target>_<variant>_<property>. */
export function selftestName(target: string, variant: string, property: string): string {
  return `kvm_ordercheck_${[target, variant, property].join("_")}`.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
}

/** Throws a UsageError (one line, exit 2) unless `tree` has the KVM selftests' Makefile. */
export function checkKernelTree(tree: string): void {
  const makefile = join(tree, KVM_SELFTESTS, "Makefile");
  if (!existsSync(join(tree, "Makefile")) || !existsSync(makefile))
    throw new UsageError(`--kernel-tree ${tree}: not a kernel tree (no ${join(KVM_SELFTESTS, "Makefile")} there)`);
}

export interface TreePlacement {
  /** The test's C file. */
  readonly file: string;
  /** The file holding the TEST_GEN_PROGS lists (kvm/Makefile or kvm/Makefile.kvm). */
  readonly makefile: string;
  /** The list line, as written (or found already there). */
  readonly line: string;
  /** The program's path relative to the kvm selftests directory (a make target there). */
  readonly program: string;
}

/** Where `name` goes for `arch` in `tree`, and the Makefile line that builds it. */
export function placement(tree: string, arch: Arch, name: string): TreePlacement {
  checkKernelTree(tree);
  const kvm = join(tree, KVM_SELFTESTS);
  const dir = ARCH_DIRS[arch].find((d) => existsSync(join(kvm, d)) && statSync(join(kvm, d)).isDirectory());
  if (!dir) throw new UsageError(`--kernel-tree ${tree}: no ${ARCH_DIRS[arch].join(" or ")} directory in ${KVM_SELFTESTS}`);
  const makefile = [join(kvm, "Makefile.kvm"), join(kvm, "Makefile")].find(
    (m) => existsSync(m) && new RegExp(`^TEST_GEN_PROGS_${dir}\\s*\\+?=`, "m").test(readFileSync(m, "utf8")),
  );
  if (!makefile) throw new UsageError(`--kernel-tree ${tree}: no TEST_GEN_PROGS_${dir} list in ${KVM_SELFTESTS}/Makefile or Makefile.kvm`);
  const program = `${dir}/${name}`;
  return { file: join(kvm, `${program}.c`), makefile, line: `TEST_GEN_PROGS_${dir} += ${program}`, program };
}

/** Writes the test and adds its line after the last of its architecture's list (once). */
export function writeIntoTree(tree: string, arch: Arch, name: string, code: string): TreePlacement {
  const p = placement(tree, arch, name);
  const lines = readFileSync(p.makefile, "utf8").split("\n");
  if (!lines.includes(p.line)) {
    const list = p.line.slice(0, p.line.indexOf(" "));
    let last = -1;
    lines.forEach((l, i) => {
      if (new RegExp(`^${list}\\s*\\+?=`).test(l)) last = i;
    });
    lines.splice(last + 1, 0, p.line);
  }
  try {
    writeFileSync(p.file, code);
    writeFileSync(p.makefile, lines.join("\n"));
  } catch (e) {
    throw new UsageError(`--kernel-tree ${tree}: cannot write ${p.file}: ${(e as Error).message}`);
  }
  return p;
}
