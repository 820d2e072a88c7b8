/**
 * The C front end's translation, function by function: C's integer semantics (widths,
 * signedness, the usual arithmetic conversions), control flow (switch fall-through,
 * forward goto to a cleanup label, loops), and the ops a function yields: the runtime's
 * for shared state, a `cover` op for each statement it runs.
 */
import { describe, expect, it } from "vitest";
import type { Op } from "../src/kernel/rt/ops.js";
import { runC } from "../src/variant/c/interp.js";
import { lowerFile } from "../src/variant/c/lower.js";
import { parseC, parseExpr } from "../src/variant/c/parse.js";
import type { Value } from "../src/variant/c/world.js";
import { riscvWorld } from "../src/variant/c/world-riscv.js";

/** Runs `fname` of `src` with integer arguments; no shared state, so every op is local. */
async function run(src: string, fname: string, args: bigint[] = []): Promise<{ value: Value; ops: Op[] }> {
  const tree = await parseC("t.c", src);
  const lowered = lowerFile("t.c", tree.rootNode, riscvWorld, parseExpr);
  const f = lowered.functions.get(fname)!;
  const it = runC({ file: "t.c", source: "/abs/t.c", functions: lowered.functions }, f, args, { data: {} });
  const ops: Op[] = [];
  let r = it.next();
  while (!r.done) {
    ops.push(r.value);
    // The runtime stops a thread that oopses: so does this driver.
    if (r.value.kind === "fault" && r.value.fault === "oops") return { value: undefined, ops };
    r = it.next(undefined);
  }
  return { value: r.value, ops };
}

const value = async (body: string, ret = "long") => (await run(`${ret} f(void)\n{\n${body}\n}\n`, "f")).value;

describe("C integer semantics", () => {
  it("wraps unsigned arithmetic at the type's width", async () => {
    expect(await value("u32 x = 0;\nx = x - 1;\nreturn x;")).toBe(4294967295n);
    expect(await value("u8 x = 250;\nx += 10;\nreturn x;")).toBe(4n);
    expect(await value("return (unsigned long)-1;", "unsigned long")).toBe(2n ** 64n - 1n);
  });

  it("compares a negative int with an unsigned operand as C does (converted to unsigned)", async () => {
    expect(await value("int a = -1;\nunsigned int b = 1;\nreturn a < b;")).toBe(0n);
    expect(await value("int a = -1;\nlong b = 1;\nreturn a < b;")).toBe(1n);
    expect(await value("return -1 < 1UL;")).toBe(0n);
  });

  it("divides toward zero, shifts at 64 bits and converts to bool by != 0", async () => {
    expect(await value("return -7 / 2;")).toBe(-3n);
    expect(await value("return -7 % 2;")).toBe(-1n);
    expect(await value("return 1UL << 40;")).toBe(2n ** 40n);
    expect(await value("bool b = 256;\nreturn b;")).toBe(1n);
    expect(await value("int x = 3000000000u;\nreturn x;")).toBe(3000000000n - 2n ** 32n);
  });

  it("treats a shift out of range as the undefined behaviour it is: an oops, not a silent value", async () => {
    const { ops } = await run("long f(long n)\n{\n\treturn 1UL << n;\n}\n", "f", [64n]);
    expect(ops.some((o) => o.kind === "fault" && o.fault === "oops" && /shift out of bounds: << 64 on a 64-bit value/.test(o.message))).toBe(true);
  });

  it("parses kernel annotations that expand to nothing (static __always_inline, __must_check)", async () => {
    expect((await run("static __always_inline long twice(long x)\n{\n\treturn 2 * x;\n}\n\nlong __must_check f(void)\n{\n\treturn twice(21);\n}\n", "f")).value).toBe(42n);
  });

  it("evaluates #ifdef on the simulated host's config and #define constants", async () => {
    const src = "#define MY_CAP (200 + 7)\nlong f(void)\n{\n#ifdef CONFIG_64BIT\n\treturn MY_CAP;\n#else\n\treturn 0;\n#endif\n}\n";
    expect((await run(src, "f")).value).toBe(207n);
    expect(await value("return IS_ENABLED(CONFIG_64BIT) ? KVM_CAP_VM_GPA_BITS : -EINVAL;")).toBe(207n);
  });
});

describe("C control flow", () => {
  it("falls through switch cases until a break, and takes default otherwise", async () => {
    const src = "long f(long x)\n{\n\tlong r = 0;\n\tswitch (x) {\n\tcase 1:\n\t\tr += 1;\n\tcase 2:\n\t\tr += 10;\n\t\tbreak;\n\tdefault:\n\t\tr = -1;\n\t}\n\treturn r;\n}\n";
    expect((await run(src, "f", [1n])).value).toBe(11n);
    expect((await run(src, "f", [2n])).value).toBe(10n);
    expect((await run(src, "f", [3n])).value).toBe(-1n);
  });

  it("jumps forward to a cleanup label, out of nested blocks", async () => {
    const src = "long f(long x)\n{\n\tlong r = 1;\n\tif (x) {\n\t\tr = 2;\n\t\tgoto out;\n\t}\n\tr = 3;\nout:\n\treturn r;\n}\n";
    expect((await run(src, "f", [1n])).value).toBe(2n);
    expect((await run(src, "f", [0n])).value).toBe(3n);
  });

  it("runs loops with break and continue, and calls the file's own functions", async () => {
    const src = "static long sq(long x)\n{\n\treturn x * x;\n}\n\nlong f(void)\n{\n\tlong s = 0;\n\tfor (long i = 0; i < 10; i++) {\n\t\tif (i == 3)\n\t\t\tcontinue;\n\t\tif (i == 6)\n\t\t\tbreak;\n\t\ts += sq(i);\n\t}\n\treturn s;\n}\n";
    expect((await run(src, "f")).value).toBe(0n + 1n + 4n + 16n + 25n);
  });

  it("reports each statement it runs as a cover op with the file's absolute path and the line", async () => {
    const { ops } = await run("long f(long x)\n{\n\tif (x)\n\t\treturn 1;\n\treturn 2;\n}\n", "f", [1n]);
    expect(ops).toEqual([
      { kind: "cover", file: "/abs/t.c", line: 3 },
      { kind: "cover", file: "/abs/t.c", line: 4 },
    ]);
  });

  it("turns WARN_ON into a warn fault and BUG_ON into an oops", async () => {
    const { ops } = await run("long f(long x)\n{\n\tif (WARN_ON_ONCE(x > 1))\n\t\treturn -EINVAL;\n\tBUG_ON(x);\n\treturn 0;\n}\n", "f", [2n]);
    expect(ops.filter((o) => o.kind === "fault")).toEqual([{ kind: "fault", fault: "warn", message: "WARN_ON_ONCE(x > 1) in f() at t.c:3" }]);
    const bug = await run("long f(long x)\n{\n\tBUG_ON(x);\n\treturn 0;\n}\n", "f", [1n]);
    expect(bug.ops.at(-1)).toEqual({ kind: "fault", fault: "oops", message: "BUG: BUG_ON(x) in f() at t.c:3" });
  });
});
