/**
 * --format junit read by a real JUnit XML reader (junit2json, on xml2js, as CI report
 * actions read it): one suite per variant, one case per property, a violation a failure
 * with its replay command, a property not checked a skip, counts that add up.
 */
import { parse } from "junit2json";
import type { TestSuites } from "junit2json";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { junitXml } from "../src/report/junit.js";
import { captureOutput } from "./capture.js";

const io = captureOutput();

describe("--format junit", () => {
  it("gives a suite per variant and a failure per violated property, with its replay command", async () => {
    expect(await main(["check", "riscv-hgatp", "--runs", "200", "--seed", "3", "--format", "junit"])).toBe(1);
    expect(io.out).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    const doc = (await parse(io.out)) as TestSuites;
    expect(doc.testsuite!.map((s) => s.name)).toEqual(["riscv-hgatp@v2", "riscv-hgatp@v7", "riscv-hgatp@v8"]);
    const cases = doc.testsuite!.flatMap((s) => s.testcase ?? []);
    expect(doc.tests).toBe(cases.length);
    expect(doc.failures).toBe(cases.filter((c) => c.failure).length);
    const v7 = doc.testsuite!.find((s) => s.name === "riscv-hgatp@v7")!;
    const single = v7.testcase!.find((c) => c.name === "hgatp-single-view")!;
    expect(single.classname).toBe("riscv-hgatp@v7");
    expect(single.failure![0]!.message).toMatch(/changed the g-stage configuration/);
    expect(single.failure![0]!.inner).toMatch(/replay: kvm-ordercheck replay kvmoc1\./);
    expect(doc.testsuite!.find((s) => s.name === "riscv-hgatp@v8")!.failures).toBe(0);
  });

  it("marks a property not checked under the options as skipped, with the reason", async () => {
    expect(await main(["check", "arm64-memfault@current", "--contract", "doc", "--runs", "100", "--seed", "5", "--format", "junit"])).toBe(0);
    const doc = (await parse(io.out)) as TestSuites;
    const leak = doc.testsuite![0]!.testcase!.find((c) => c.name === "no-memfault-leak")!;
    expect(leak.skipped).toBeDefined();
    expect(leak["system-out"]![0]).toMatch(/^not checked: /);
  });

  it("escapes what a variant's name or a message could carry (the XML stays readable)", async () => {
    const xml = junitXml({
      results: [
        {
          target: "t<&>",
          variant: `v"'`,
          mode: "replay",
          verdict: "holds",
          property: null,
          counterexample: null,
          replay: null,
          properties: [{ property: "p]]>&", verdict: "n/a", why: "<script>\u0007" }],
        },
      ],
      unfinished: ["x@y"],
      interrupted: "SIGINT",
    });
    const doc = (await parse(xml)) as TestSuites;
    expect(doc.testsuite!.map((s) => s.name)).toEqual([`t<&>@v"'`, "x@y"]);
    expect(doc.testsuite![0]!.testcase![0]!.name).toBe("p]]>&");
    expect(doc.testsuite![1]!.testcase![0]!.error![0]!.message).toMatch(/interrupted by SIGINT/);
  });
});
