/**
 * Variant files for the tests, written to a temporary directory outside the repository
 * whose node_modules/kvm-ordercheck is a link to this package: `import ... from
 * "kvm-ordercheck/variant"` resolves as it would in a patch author's project.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "..");
export const EXAMPLE = join(REPO, "docs/examples/v9-example.ts");

export interface Fixtures {
  readonly dir: string;
  /** The guide's example as is: v8 re-derived, holds. */
  readonly correct: string;
  /** The example without kvm->lock and slots_lock (v7's bug), named v9-nolock. */
  readonly buggy: string;
  write(name: string, text: string): string;
  cleanup(): void;
}

export function makeFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), "kvmoc-variant-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO, join(dir, "node_modules", "kvm-ordercheck"), "dir");
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const example = readFileSync(EXAMPLE, "utf8");
  const nolock = example
    .split("\n")
    .filter((l) => !/yield\* mutex_(un)?lock\(kvm\./.test(l))
    .join("\n")
    .replace('name: "v9-example"', 'name: "v9-nolock"');
  if (nolock === example || !nolock.includes("v9-nolock")) throw new Error("fixture: the example no longer has the lines the buggy copy drops");
  return {
    dir,
    correct: write("v9.ts", example),
    buggy: write("v9-nolock.ts", nolock),
    write,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
