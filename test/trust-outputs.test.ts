/**
 * Output files: every path checked before the run (no hang on /proc, no special files),
 * written whole or not at all (a full disk leaves no partial file), and a report bundle
 * that writes and deletes nothing outside its directory whatever a variant's name says.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { counterexampleOf } from "../src/explore/counterexample.js";
import { writeBundle } from "../src/report/bundle.js";
import { findTarget } from "../src/targets/registry.js";
import { captureOutput } from "./capture.js";
import { V7_BODY, tokenOf } from "./trust-tokens.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V7 = tokenOf(V7_BODY);

describe("an output path", () => {
  for (const { what, flags, message } of [
    { what: "a report directory on /proc", flags: ["--report-dir", "/proc/x"], message: /--report-dir \/proc\/x: \/proc is on proc, not a file system for reports/ },
    { what: "a reproducer on sysfs", flags: ["--repro", "/sys/kernel/x.c"], message: /--repro \/sys\/kernel\/x.c: \/sys\/kernel is on sysfs/ },
    { what: "an HTML file that is a device", flags: ["--html", "/dev/null"], message: /--html \/dev\/null is not a regular file/ },
    { what: "an ITF file in a directory that does not exist", flags: ["--itf", "/nonexistent/x.json"], message: /--itf \/nonexistent\/x.json: directory \/nonexistent does not exist/ },
    { what: "a Mermaid file that is a directory", flags: ["--mermaid", tmpdir()], message: /--mermaid .* is a directory/ },
    { what: "a report directory that is a file", flags: ["--report-dir", "package.json"], message: /--report-dir package.json is a file/ },
    { what: "an --html file that is the --repro file", flags: ["--repro", "x.out", "--html", "./x.out"], message: /--repro and --html name the same file, .\/x.out/ },
  ])
    it(`${what} is refused before the run, on one line`, async () => {
      // A random run of 10^7 runs would take minutes: refused first, it takes none.
      expect(await main(["check", "riscv-hgatp@v8", "--runs", "10000000", ...flags])).toBe(2);
      expect(io.err).toMatch(message);
      expect(io.err.trim().split("\n")).toHaveLength(1);
      expect(io.out).toBe("");
    });

  it("that is an existing file is replaced whole, with no temporary file left beside it", async () => {
    const out = join(dir, "replaced");
    mkdirSync(out);
    writeFileSync(join(out, "r.c"), "old");
    expect(await main(["replay", V7, "--repro", join(out, "r.c"), "--mermaid", join(out, "r.mmd")])).toBe(1);
    expect(readdirSync(out).sort()).toEqual(["r.c", "r.mmd"]);
  });
});

// A file system that fills up: a small tmpfs, mounted in a user and mount namespace of the child alone.
const userns = spawnSync("unshare", ["-rm", "true"]).status === 0;

describe.skipIf(!userns)("a full disk (needs unshare -rm: user namespaces, to mount a small tmpfs)", () => {
  it("fails the write on one line, exit 2, and leaves no partial file: neither a page nor a bundle", () => {
    const full = join(dir, "full");
    mkdirSync(full);
    // The built binary (npm test builds first), as a user runs it.
    const cli = `${process.execPath} bin/kvm-ordercheck.js`;
    const script = [
      `mount -t tmpfs -o size=64k none ${full}`,
      `${cli} replay ${V7} --html ${full}/r.html; echo "exit $?"`,
      `${cli} check riscv-hgatp@v7 --runs 300 --seed 1 --report-dir ${full}/bundle >/dev/null; echo "exit $?"`,
      `ls -A ${full}`,
    ].join("; ");
    // No progress line on stderr, however long a loaded machine takes (the test reads stderr whole).
    const env = { ...process.env, KVM_ORDERCHECK_PROGRESS_INTERVAL: "3600" };
    const r = spawnSync("unshare", ["-rm", "sh", "-c", script], { encoding: "utf8", cwd: join(import.meta.dirname, ".."), env });
    const lines = r.stdout.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("exit "))).toEqual(["exit 2", "exit 2"]);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^kvm-ordercheck: cannot write --html .*r\.html: ENOSPC: no space left on device$/),
      expect.stringMatching(/^kvm-ordercheck: cannot write --report-dir .*bundle: ENOSPC: no space left on device$/),
    ]);
    // Nothing half-written: no page, no temporary file; the bundle's directory at most, empty.
    const left = lines.slice(lines.lastIndexOf("exit 2") + 1);
    expect(left.filter((f) => f !== "bundle")).toEqual([]);
  });
});

describe("a report bundle", () => {
  const subject = findTarget("riscv-hgatp").subject("v7");
  const cx = counterexampleOf(subject, {}, V7_BODY.p, V7_BODY.th, V7_BODY.d)!;
  const section = (s: typeof subject) => ({ subject: s, verdicts: [{ property: cx.property, verdict: "violated" as const, counterexample: cx }], how: "replay" });

  /** A report directory with a sibling `victim` holding a file, as an attack would target. */
  function reportDirBesideVictim(name: string) {
    const base = join(dir, name);
    mkdirSync(join(base, "victim"), { recursive: true });
    writeFileSync(join(base, "victim", "keep"), "keep");
    return { reports: join(base, "reports"), victim: join(base, "victim", "keep"), base };
  }

  it("whose variant is named ../victim writes nothing and deletes nothing outside its directory", () => {
    const at = reportDirBesideVictim("named");
    const evil = { ...subject, variant: "../../victim" };
    expect(() => writeBundle(at.reports, [section(evil)])).toThrow(/is not a file name a report may have/);
    expect(existsSync(at.victim)).toBe(true);
    expect(readdirSync(at.base).sort()).toEqual(["reports", "victim"]);
  });

  it("whose variant name is a getter that changes is read once: everything lands in the directory of that name", () => {
    const at = reportDirBesideVictim("getter");
    let reads = 0;
    const shifty = Object.defineProperty({ ...subject }, "variant", { get: () => (reads++ === 0 ? "v7" : "../../victim") });
    const [entry] = writeBundle(at.reports, [section(shifty as typeof subject)]);
    expect(entry!.dir).toBe(join(at.reports, "riscv-hgatp@v7"));
    expect(existsSync(at.victim)).toBe(true);
    expect(readdirSync(at.base).sort()).toEqual(["reports", "victim"]);
    expect(readdirSync(at.reports).sort()).toEqual(["index.html", "mermaid.min.js", "riscv-hgatp@v7"]);
  });
});
