/**
 * The real backend's ioctl numbers and struct layouts: against values known from
 * kernel-facts H, and against the system's <linux/kvm.h> (6.1) compiled with cc,
 * for everything that header has.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UAPI_CAPS as KVM_CAPS } from "../src/kernel/uapi/caps.js";
import { IOCTL, KVM_RUN_OFFSET, SIZEOF } from "../src/real/uapi.js";

const cc = spawnSync("cc", ["--version"]).status === 0;
const header = spawnSync("sh", ["-c", "echo '#include <linux/kvm.h>' | cc -E -x c - >/dev/null"]).status === 0;

describe("uapi constants", () => {
  it("match the values kernel-facts H gives for 6.18-only ioctls", () => {
    expect(IOCTL.KVM_SET_USER_MEMORY_REGION2).toBe(0x40a0ae49);
    expect(IOCTL.KVM_CREATE_GUEST_MEMFD).toBe(0xc040aed4);
    expect(IOCTL.KVM_SET_MEMORY_ATTRIBUTES).toBe(0x4020aed2);
    expect(IOCTL.KVM_RUN).toBe(0xae80);
  });

  it.skipIf(!cc || !header)("match the system <linux/kvm.h> compiled with cc (skipped without cc or the header)", () => {
    const dir = mkdtempSync(join(tmpdir(), "kvm-uapi-"));
    try {
      const ioctls = Object.keys(IOCTL);
      const caps = Object.keys(KVM_CAPS);
      const runFields: Record<string, string> = {
        immediate_exit: "immediate_exit",
        exit_reason: "exit_reason",
        "io.port": "io.port",
        "io.data_offset": "io.data_offset",
        "mmio.phys_addr": "mmio.phys_addr",
        "mmio.len": "mmio.len",
        "internal.suberror": "internal.suberror",
        kvm_valid_regs: "kvm_valid_regs",
        s: "s",
      };
      const src = [
        "#include <stdio.h>",
        "#include <stddef.h>",
        "#include <linux/kvm.h>",
        "int main(void) {",
        ...ioctls.map((n) => `#ifdef ${n}\n  printf("ioctl ${n} %lu\\n", (unsigned long)(${n}));\n#endif`),
        ...caps.map((n) => `#ifdef ${n}\n  printf("cap ${n} %d\\n", (int)(${n}));\n#endif`),
        ...Object.keys(SIZEOF)
          .filter((s) => !["kvm_userspace_memory_region2", "kvm_create_guest_memfd", "kvm_memory_attributes"].includes(s))
          .map((s) => `  printf("sizeof ${s} %zu\\n", sizeof(struct ${s}));`),
        ...Object.entries(runFields).map(([k, f]) => `  printf("offset ${k} %zu\\n", offsetof(struct kvm_run, ${f}));`),
        "  return 0;",
        "}",
      ].join("\n");
      writeFileSync(join(dir, "c.c"), src);
      execFileSync("cc", ["-o", join(dir, "c"), join(dir, "c.c")]);
      const lines = execFileSync(join(dir, "c"), { encoding: "utf8" }).trim().split("\n");
      const seen = { ioctl: 0, cap: 0, sizeof: 0, offset: 0 };
      for (const line of lines) {
        const [kind, name, value] = line.split(" ") as [keyof typeof seen, string, string];
        seen[kind]++;
        const mine =
          kind === "ioctl"
            ? IOCTL[name as keyof typeof IOCTL]
            : kind === "cap"
              ? KVM_CAPS[name]
              : kind === "sizeof"
                ? SIZEOF[name as keyof typeof SIZEOF]
                : KVM_RUN_OFFSET[name as keyof typeof KVM_RUN_OFFSET];
        expect({ kind, name, value: mine }).toEqual({ kind, name, value: Number(value) });
      }
      // The 6.1 header has most of them: the comparison is not vacuous.
      expect(seen.ioctl).toBeGreaterThanOrEqual(ioctls.length - 3);
      expect(seen.sizeof).toBeGreaterThanOrEqual(7);
      expect(seen.offset).toBe(Object.keys(runFields).length);
      expect(seen.cap).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
