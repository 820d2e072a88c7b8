/**
 * No code from a token: hostile values in any field of a replay token are refused at the
 * edge (exit 2, no file written); and, in depth, a value that reached an emitter anyway
 * is formatted by the emitter's own formatters (the C ones refuse it, HTML escapes it,
 * Mermaid keeps it on its line, ITF keeps it a JSON string). The C of an accepted token
 * compiles with -Wall -Werror and runs nothing it was not written to run.
 */
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Counterexample } from "../src/explore/counterexample.js";
import { counterexampleOf } from "../src/explore/counterexample.js";
import { htmlReport } from "../src/report/html.js";
import { itfText } from "../src/report/itf.js";
import { sequenceDiagram } from "../src/report/mermaid.js";
import { selftestC } from "../src/report/repro/selftest.js";
import { standaloneC } from "../src/report/repro/standalone.js";
import { findTarget } from "../src/targets/registry.js";
import { captureOutput } from "./capture.js";
import { buildSelftests, prepared, removeAll, tree, why } from "./kernel-tree.js";
import { V7_BODY, tokenOf } from "./trust-tokens.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-emitters-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHELL = '0ULL,0,0,0}})); system("id > pwned.txt"); ((';
/** What an attacker or a careless edit puts in a field: C, HTML, Mermaid, JSON breakers, numbers out of every range. */
const HOSTILE: readonly unknown[] = [
  '"',
  '*/ system("id"); /*',
  "}",
  "a\nb",
  SHELL,
  "<script>alert(1)</script>",
  '%%{init: {"securityLevel": "loose"}}%%',
  "A-->B: x",
  1e300,
  2 ** 64,
  -1,
  0.5,
  "NaN",
  null,
  true,
  {},
  [],
];

/** A token body as JSON, any field settable. */
type Body = { th: Record<string, unknown>[][]; d: unknown[]; [field: string]: unknown };

/** The token's fields, each a way to set it in a copy of V7_BODY. */
const FIELDS: readonly [string, (b: Body, v: unknown) => void][] = [
  ["the cap's args[0]", (b, v) => ((b.th[1]![0]!.args as unknown[])[0] = v)],
  ["the cap's name", (b, v) => (b.th[1]![0]!.cap = v)],
  ["the cap's flags", (b, v) => (b.th[1]![0]!.flags = v)],
  ["the vCPU id", (b, v) => (b.th[0]![0]!.id = v)],
  ["the fd", (b, v) => (b.th[0]![0]!.fd = v)],
  ["the ioctl", (b, v) => (b.th[0]![0]!.ioctl = v)],
  ["the target", (b, v) => (b.t = v)],
  ["the variant", (b, v) => (b.v = v)],
  ["the property", (b, v) => (b.p = v)],
  ["an option", (b, v) => (b.o = { contract: v })],
  ["a decision", (b, v) => (b.d[0] = v)],
];

const OUTPUTS = ["--repro", "r.c", "--html", "r.html", "--itf", "r.itf.json", "--mermaid", "r.mmd"];

describe("a hostile replay token", () => {
  it.each(FIELDS.map(([what, set]) => [what, set] as const))("with C, HTML, Mermaid or an out-of-range number in %s is refused before anything is written", async (what, set) => {
    const out = join(dir, what.replace(/\W+/g, "-"));
    mkdirSync(out);
    for (const value of HOSTILE) {
      const body = structuredClone(V7_BODY) as unknown as Body;
      set(body, value);
      io.err = "";
      for (const style of ["standalone", "selftest"]) {
        const argv = ["replay", tokenOf(body), ...OUTPUTS.map((a, i) => (i % 2 ? join(out, a) : a)), "--repro-style", style];
        expect(await main(argv), `${what} = ${JSON.stringify(value)}`).toBe(2);
      }
      expect(io.err.trim().split("\n"), `${what} = ${JSON.stringify(value)}`).toHaveLength(2);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it("with numbers JSON cannot hold as integers (1e999, 1e18) is refused", async () => {
    for (const raw of ['"id":1e999', '"id":1e18', '"id":-1e-999x']) {
      const text = JSON.stringify(V7_BODY).replace('"id":0', raw);
      expect(await main(["replay", `kvmoc1.${Buffer.from(text).toString("base64url")}`])).toBe(2);
    }
    expect(io.err).toMatch(/threads\[0\]\[0\]\.id: expected a __u64/);
    expect(io.err).toMatch(/not valid base64url JSON/);
  });
});

describe("an emitter handed a hostile value that bypassed the edge", () => {
  const subject = findTarget("riscv-hgatp").subject("v7");
  /** V7's counterexample with one call field changed after the fact (the trace shares the call objects). */
  function tampered(set: (cap: Record<string, unknown>) => void): Counterexample {
    const cx = counterexampleOf(subject, {}, V7_BODY.p, structuredClone(V7_BODY.th), V7_BODY.d)!;
    set(cx.threads[1]![0] as Record<string, unknown>);
    return cx;
  }

  it("writes no C: the reproducers refuse a cap argument or a cap name that is not theirs to format", () => {
    for (const cx of [tampered((c) => ((c.args as unknown[])[0] = SHELL)), tampered((c) => (c.cap = `KVM_CAP_X); system("id"); (0`))]) {
      expect(() => standaloneC(cx, subject)).toThrow(/a reproducer (formats whole numbers|writes caps)/);
      expect(() => selftestC(cx, subject)).toThrow(/a reproducer (formats whole numbers|writes caps)/);
    }
  });

  it("escapes it in HTML, keeps it on its line in Mermaid and a string in ITF", () => {
    for (const value of ["<script>alert(1)</script>", "x\n%%{init: {}}%%\nA-->B: y", SHELL]) {
      const cx = tampered((c) => ((c.args as unknown[])[0] = value));
      const html = htmlReport({ title: "t", sections: [{ subject, verdicts: [{ property: cx.property, verdict: "violated", counterexample: cx }], how: "replay" }] });
      expect(html).not.toContain("<script>alert(1)");
      expect(sequenceDiagram(cx).split("\n").filter((l) => /^\s*%%\{|^\s*A-->B/.test(l))).toEqual([]);
      expect(JSON.stringify(JSON.parse(itfText(cx)))).toContain(JSON.stringify(value).slice(1, -1));
    }
  });
});

describe("the C of an accepted token", () => {
  it("compiles with cc -Wall -Werror -pthread, and running it creates nothing in its directory", () => {
    const cwd = join(dir, "run");
    mkdirSync(cwd);
    const src = join(dir, "v7.c");
    const bin = join(dir, "v7");
    const subject = findTarget("riscv-hgatp").subject("v7");
    writeFileSync(src, standaloneC(counterexampleOf(subject, {}, V7_BODY.p, V7_BODY.th, V7_BODY.d)!, subject));
    const cc = spawnSync("cc", ["-Wall", "-Werror", "-pthread", "-o", bin, src], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    expect(cc.status).toBe(0);
    // On this x86 host the riscv reproducer skips (4, KSFT_SKIP) before any ioctl.
    const r = spawnSync(bin, [], { cwd, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(4);
    expect(readdirSync(cwd)).toEqual([]);
  });

  // The selftest library's declarations are a kernel tree's (test/kernel-tree.ts): built there as the tree's kvm Makefile builds its selftests.
  it.skipIf(!prepared)(
    `in selftest style builds against the kernel tree's selftest library with -Werror (${prepared ? tree : why})`,
    () => {
      const subject = findTarget("riscv-hgatp").subject("v7");
      const written: string[] = [];
      try {
        const r = buildSelftests([{ name: `kvm_ordercheck_emitters_v7_${process.pid}`, c: selftestC(counterexampleOf(subject, {}, V7_BODY.p, V7_BODY.th, V7_BODY.d)!, subject) }], written);
        expect(r.out).not.toMatch(/\b(error|warning):/);
        expect(r.status).toBe(0);
      } finally {
        removeAll(written);
      }
    },
    300_000,
  );
});
