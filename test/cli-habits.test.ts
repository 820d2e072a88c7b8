/**
 * What a command-line user expects of the executable (bin/kvm-ordercheck.js, run as a
 * child process): --version, colours that follow --no-color / NO_COLOR / FORCE_COLOR,
 * plain ASCII when stdout is not a terminal, and on SIGINT/SIGTERM what is finished,
 * then exit 130/143; progress lines off a terminal; the interleaving estimate before a
 * long exhaustive run.
 */
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { estimateLine } from "../src/cli/estimate.js";
import { main } from "../src/cli/main.js";
import { displayFor, toAscii } from "../src/report/style.js";
import { findTarget } from "../src/targets/registry.js";
import { VERSION } from "../src/version.js";
import { captureOutput } from "./capture.js";

const io = captureOutput();
const BIN = "bin/kvm-ordercheck.js";
// Without the test runner's own colour settings, so that each test decides.
const { NO_COLOR: _n, FORCE_COLOR: _f, CI: _c, ...ENV } = process.env;

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...ENV, ...env } });
const ESC = "\x1b[";
/** Progress lines off a terminal every 0.2 s instead of every 10 s. */
const PROGRESS = { KVM_ORDERCHECK_PROGRESS_INTERVAL: "0.2" };

interface Stopped {
  status: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the CLI, sends `signal` once stdout or stderr matches `when`, and collects what it printed. */
function interrupt(args: string[], when: RegExp, signal: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...ENV, ...env } });
    let out = "";
    let err = "";
    let sent = false;
    const check = () => {
      if (!sent && when.test(out + err)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on("data", (d: Buffer) => ((out += d.toString()), check()));
    child.stderr.on("data", (d: Buffer) => ((err += d.toString()), check()));
    // Never left running: a run that ignored the signal is killed when the test gives up.
    const guard = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("error", reject);
    child.on("close", (status, sig) => {
      clearTimeout(guard);
      resolve({ status, signal: sig, out, err });
    });
  });
}

describe("CLI habits", { timeout: 120_000 }, () => {
  it("--version prints the package's version", () => {
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("colours follow --no-color, NO_COLOR and FORCE_COLOR; off a terminal the table is plain ASCII", () => {
    const args = ["check", "riscv-hgatp@v7", "--runs", "300", "--seed", "4", "--property", "hgatp-single-view"];
    const forced = run(args, { FORCE_COLOR: "1" });
    expect(forced.status).toBe(1);
    expect(forced.stdout).toContain(ESC);
    expect(run([...args, "--no-color"], { FORCE_COLOR: "1" }).stdout).not.toContain(ESC);
    expect(displayFor(undefined, { NO_COLOR: "1", FORCE_COLOR: "1" }, { isTTY: true }).color).toBe(false);
    expect(displayFor(undefined, { FORCE_COLOR: "0" }, { isTTY: true }).color).toBe(false);
    expect(displayFor(true, { NO_COLOR: "1" }, { isTTY: false }).color).toBe(true);
    const plain = run(args).stdout;
    expect(plain).not.toContain(ESC);
    expect(plain).toMatch(/\| T0 /);
    expect(plain).not.toMatch(/[│─▸▶◀→]/);
  });

  it("a terminal gets Unicode and a table no wider than the terminal", () => {
    expect(displayFor(undefined, {}, { isTTY: true, columns: 80 })).toEqual({ color: true, unicode: true, columns: 80 });
    expect(displayFor(undefined, { TERM: "dumb" }, { isTTY: true, columns: 80 }).color).toBe(false);
    expect(displayFor(undefined, {}, { isTTY: false })).toEqual({ color: false, unicode: false });
    expect(toAscii("▸  12 │ ▶ KVM_RUN → 0 …")).toBe(">  12 | > KVM_RUN -> 0 ...");
  });

  it("the text table fits the terminal's width", async () => {
    const { setDisplay } = await import("../src/report/style.js");
    setDisplay({ color: false, unicode: true, columns: 70 });
    try {
      expect(await main(["check", "riscv-hgatp@v7", "--runs", "300", "--seed", "4", "--property", "hgatp-single-view"])).toBe(1);
    } finally {
      setDisplay({ color: false, unicode: true });
    }
    const table = io.out.split("\n").filter((l) => l.includes("│"));
    expect(table.length).toBeGreaterThan(5);
    for (const line of table) expect(line.trimEnd().length).toBeLessThanOrEqual(70);
  });

  it("SIGTERM during a random run prints the variants finished, names the one not finished, and exits 143", async () => {
    const r = await interrupt(["check", "riscv-hgatp", "--runs", "5000", "--seed", "1"], /riscv-hgatp@v2 /, "SIGTERM", PROGRESS);
    // Each variant's row is printed as it finishes; the signal, sent once v2's row is out,
    // is handled before v7's check or, if that has begun (it is synchronous), when it ends.
    expect(r.status, JSON.stringify(r)).toBe(143);
    expect(r.out).toMatch(/^target@variant/m);
    expect(r.out).toMatch(/^riscv-hgatp@v2 /m);
    expect(r.out).not.toMatch(/^riscv-hgatp@v8 /m);
    expect(r.out).toMatch(/interrupted by SIGTERM: [12] of 3 finished \(above\); not finished, no verdict: (riscv-hgatp@v7, )?riscv-hgatp@v8\n/);
    // Off a terminal, progress is a plain line on stderr (here every 0.2 s), never a bar.
    expect(r.err).toMatch(/^kvm-ordercheck: riscv-hgatp@v\d: \d+\/5000 runs, \d+ executions/m);
    expect(r.err).not.toContain(ESC);
  });

  it("SIGINT during a long exhaustive run says no proof was reached, and exits 130", async () => {
    // v8 at 3 threads x 2 calls takes minutes; with DPOR each of its programs takes little, so
    // the signal is handled soon after the workers take over (the main thread then waits on them).
    const args = ["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "3", "--calls", "2", "--workers", "2"];
    const r = await interrupt(args, /\d+\/\d+ programs, \d+ executions/, "SIGINT", PROGRESS);
    expect(r.status, JSON.stringify(r)).toBe(130);
    expect(r.err).toMatch(/riscv-hgatp@v8: \d+ programs, about [\d.e]+ interleavings without reduction .*DPOR explores one per equivalence class/);
    // Without DPOR the estimate comes with a shorter bound, and says the run explores them all.
    expect(estimateLine(findTarget("riscv-hgatp").subject("v8"), 2, 3, false)).toMatch(/interleavings without reduction .*--no-dpor explores every one of them/);
    expect(r.out).toMatch(/interrupted by SIGINT: 0 of 1 finished .*no proof was reached for its bound.*riscv-hgatp@v8/);
    expect(r.out).not.toMatch(/holds for/);
  });

  it("SIGINT with --json prints valid JSON: the finished results, interrupted, the unfinished ones", async () => {
    const args = ["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "3", "--calls", "2", "--workers", "2", "--json"];
    const r = await interrupt(args, /\d+\/\d+ programs, \d+ executions/, "SIGINT", PROGRESS);
    expect(r.status, JSON.stringify(r)).toBe(130);
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: "incomplete",
      complete: false,
      interrupted: "SIGINT",
      unfinished: ["riscv-hgatp@v8"],
      results: [],
    });
  });
});

describe("report directories and links", () => {
  it("--report-dir has an index of every variant and a page for each, those that hold too; the text links the patch on lore", async () => {
    const { mkdtempSync, readFileSync, existsSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const d = mkdtempSync(join(tmpdir(), "kvmoc-bundle-"));
    try {
      expect(await main(["check", "riscv-hgatp", "--runs", "100", "--seed", "3", "--report-dir", d])).toBe(1);
      const index = readFileSync(join(d, "index.html"), "utf8");
      for (const v of ["v2", "v7", "v8"]) {
        expect(index).toContain(`href="riscv-hgatp%40${v}/index.html"`);
        expect(existsSync(join(d, `riscv-hgatp@${v}`, "index.html"))).toBe(true);
      }
      expect(readFileSync(join(d, "riscv-hgatp@v8", "index.html"), "utf8")).toMatch(/nothing found/);
      expect(io.out).toMatch(/riscv-hgatp@v8 +nothing found: /);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
    io.out = "";
    expect(await main(["check", "riscv-hgatp@v8", "--runs", "50", "--seed", "1"])).toBe(0);
    expect(io.out).toMatch(/https:\/\/lore\.kernel\.org\/all\/20260403153019\.9916-4-fangyu\.yu@linux\.alibaba\.com\//);
  });
});
