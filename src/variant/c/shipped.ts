/**
 * The shipped variants whose kernel code is also kept in C, beside their TypeScript
 * transcriptions (which stay the oracle: test/c-shipped.test.ts). `--patch` applies a
 * patch to these.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SHIPPED_C: readonly { readonly target: string; readonly name: string; readonly file: string }[] = [
  { target: "riscv-hgatp", name: "v2", file: "src/kernel/riscv/variants/v2.c" },
  { target: "riscv-hgatp", name: "v7", file: "src/kernel/riscv/variants/v7.c" },
  { target: "riscv-hgatp", name: "v8", file: "src/kernel/riscv/variants/v8.c" },
  { target: "arm64-memfault", name: "current", file: "src/kernel/arm64/variants/current.c" },
  { target: "arm64-memfault", name: "scrub", file: "src/kernel/arm64/variants/scrub.c" },
  { target: "arm64-memfault", name: "gated", file: "src/kernel/arm64/variants/gated.c" },
  { target: "arm64-memfault", name: "scrub+gated", file: "src/kernel/arm64/variants/scrub-gated.c" },
  { target: "x86-memfault", name: "current", file: "src/kernel/x86/variants/current.c" },
];

/** The package's root (from src/ under tsx, or dist/src/ when built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "kvm-ordercheck") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("kvm-ordercheck's package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The absolute path of the C of `target@name`, or null if it has none. */
export function shippedCFile(target: string, name: string): string | null {
  const e = SHIPPED_C.find((x) => x.target === target && x.name === name);
  return e ? join(packageRoot(), e.file) : null;
}
