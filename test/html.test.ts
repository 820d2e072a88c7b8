/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`) via
 * playwright-core, network closed, page from file://. The page must render every Mermaid
 * diagram (the counterexamples' sequence diagrams and the machine's state diagram, so
 * this is also where the state diagram's syntax is checked), show the interleaving
 * with every step, and carry the C reproducer and the replay command.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { sectionOfRandom } from "../src/cli/outputs.js";
import { checkRandom } from "../src/explore/random.js";
import { writeBundle } from "../src/report/bundle.js";
import { htmlReport } from "../src/report/html.js";
import { findTarget } from "../src/targets/registry.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`html.test.ts: skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does, or set CHROMIUM_PATH)`);

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const dir = mkdtempSync(join(tmpdir(), "kvmoc-html-"));
afterAll(() => {
  if (!process.env.KEEP_HTML_TEST) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)(`HTML report in headless Chromium (${CHROMIUM})`, () => {
  it("renders the diagrams, has every step in the table, the C reproducer and the replay command", { timeout: 150_000 }, async () => {
    const subject = findTarget("riscv-hgatp").subject("v7");
    const report = checkRandom(subject, { runs: 3000, seed: 4, maxThreads: 3, maxCalls: 4 });
    const section = sectionOfRandom(subject, report);
    const cxs = report.verdicts.flatMap((v) => (v.verdict === "violated" ? [v.counterexample] : []));
    expect(cxs.length).toBeGreaterThan(0);
    const page = join(dir, "report.html");
    writeFileSync(page, htmlReport({ title: "kvm-ordercheck: riscv-hgatp@v7", sections: [section] }));
    // Self-contained: no reference to anything outside the file.
    expect(readFileSync(page, "utf8")).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/i);

    const context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const tab = await context.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(e.message));
      await tab.goto(pathToFileURL(page).href);
      await tab.waitForFunction(() => document.body.dataset.mermaid !== "pending", null, { timeout: 45_000 });
      expect(await tab.evaluate(() => document.body.dataset.mermaid)).toBe("rendered");
      expect(errors).toEqual([]);

      // One diagram per counterexample plus the machine's; each became an svg with content.
      const diagrams = tab.locator("pre.mermaid");
      expect(await diagrams.count()).toBe(cxs.length + 1);
      // (the counterexamples in order, then the machine)
      for (let k = 0; k < cxs.length + 1; k++) {
        const svg = diagrams.nth(k).locator("svg");
        expect(await svg.count()).toBe(1);
        expect(((await svg.textContent()) ?? "").length).toBeGreaterThan(20);
      }
      // No diagram is wider than the window (Mermaid's useMaxWidth; the page never scrolls sideways for one).
      const widths = await tab.evaluate(() => [...document.querySelectorAll("pre.mermaid svg")].map((svg) => svg.getBoundingClientRect().width));
      for (const w of widths) expect(w).toBeLessThanOrEqual(1400);
      // The patch links to its thread on lore.
      expect(await tab.locator('a[href^="https://lore.kernel.org/all/"]').count()).toBeGreaterThan(0);
      // The state diagram names every state of the machine.
      const machineText = await tab.locator(".diagram.machine svg").textContent();
      for (const s of ["created", "configured", "committed", "violated"]) expect(machineText).toContain(s);

      for (const [k, cx] of cxs.entries()) {
        const article = tab.locator("article.cx").nth(k);
        const rows = article.locator("table.interleaving tbody tr");
        expect(await rows.count()).toBe(cx.execution.events.length);
        expect(await article.locator("table.interleaving tbody tr.marked").count()).toBe(new Set(cx.events).size);
        expect(await article.locator("pre.replay").textContent()).toBe(`kvm-ordercheck replay ${cx.replay}`);
        expect(await article.locator("details pre").first().textContent()).toMatch(/#include <linux\/kvm\.h>/);
        // The sequence diagram's text has the calls of the program.
        const seq = (await article.locator("pre.mermaid svg").textContent()) ?? "";
        for (const t of cx.threads) for (const call of t) expect(seq).toContain(call.ioctl);
      }

      const shot = join(dir, "report.png");
      await tab.screenshot({ path: shot, fullPage: false });
      expect(statSync(shot).size).toBeGreaterThan(20_000);

      // A report directory's pages share one copy of Mermaid, loaded relative to the page.
      const [entry] = writeBundle(join(dir, "bundle"), [section]);
      expect(readFileSync(entry!.html, "utf8")).toMatch(/<script src="\.\.\/mermaid\.min\.js"><\/script>/);
      await tab.goto(pathToFileURL(entry!.html).href);
      await tab.waitForFunction(() => document.body.dataset.mermaid !== "pending", null, { timeout: 45_000 });
      expect(await tab.evaluate(() => document.body.dataset.mermaid)).toBe("rendered");
      expect(await tab.locator("pre.mermaid svg").count()).toBe(cxs.length + 1);
      // The directory's index lists the variant and links to its page.
      await tab.goto(pathToFileURL(join(dir, "bundle", "index.html")).href);
      await tab.locator('a[href="riscv-hgatp%40v7/index.html"]').click();
      await tab.waitForFunction(() => document.body.dataset.mermaid === "rendered", null, { timeout: 45_000 });
    } finally {
      await context.close();
    }
  });
});
