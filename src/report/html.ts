/**
 * The HTML report: one self-contained page (inline CSS and JS, Mermaid's browser bundle
 * embedded, so it opens without a network) with, per target@variant, the verdicts and,
 * per counterexample, the sequence diagram rendered, the interleaving table, the C
 * reproducers and the replay command; and the reference machine with its coverage.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { CoverageSummary } from "../check/coverage.js";
import { NOT_RECORDED } from "../check/coverage.js";
import type { Counterexample } from "../explore/counterexample.js";
import { describeCall } from "../program/describe.js";
import type { Subject } from "../targets/target.js";
import { sequenceDiagram, stateDiagram } from "./mermaid.js";
import { loreUrl } from "./lore.js";
import { reproducersOf } from "./reproducers.js";
import { interleavingRows } from "./table.js";
import { sizeText } from "./text.js";

/** One property's verdict as the page shows it. */
export type HtmlVerdict =
  /** `note`: n/a's reason, or what a holding verdict did not exercise of the variant's code. */
  | { readonly property: string; readonly verdict: "holds" | "n/a"; readonly note?: string }
  | {
      readonly property: string;
      readonly verdict: "violated";
      readonly counterexample: Counterexample;
      /** Every distinct counterexample kept, the first one first (absent: that one only). */
      readonly counterexamples?: readonly Counterexample[];
    };

export interface HtmlSection {
  readonly subject: Subject;
  readonly verdicts: readonly HtmlVerdict[];
  /** Null when the run recorded none (NOT_RECORDED); absent when the section is no run (a replay). */
  readonly coverage?: CoverageSummary | null;
  /** How the run explored (runs and seed, or the exhaustive bound): one line. */
  readonly how?: string;
}

export interface HtmlReportInput {
  readonly title: string;
  /** The command that produced it, shown at the top. */
  readonly command?: string;
  readonly sections: readonly HtmlSection[];
  /**
   * Load Mermaid from this relative URL instead of inlining it (2.5 MB): for the pages of
   * a report directory, which share one copy. Absent: the page is self-contained.
   */
  readonly mermaidSrc?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

let mermaidBundle: string | null = null;

/**
 * Mermaid's browser build: `@mermaid-js/tiny`, one 2.5 MB script with every diagram the
 * report draws (sequence, state), without the full `mermaid` package's 84 MB of
 * dependencies and lazy-loaded chunks that an inlined page could not load anyway.
 */
export function mermaidBrowserBuild(): string {
  return createRequire(import.meta.url).resolve("@mermaid-js/tiny");
}

/** Mermaid's browser build, made safe to inline in a <script>. */
function mermaidScript(): string {
  if (mermaidBundle === null) mermaidBundle = readFileSync(mermaidBrowserBuild(), "utf8").replace(/<\/script/gi, "<\\/script");
  return mermaidBundle;
}

export const anchorOf = (subject: Pick<Subject, "target" | "variant">, property: string): string =>
  `${subject.target}@${subject.variant}-${property}`.replace(/[^A-Za-z0-9_-]/g, "_");

const CSS = `
:root { --bad: #b3261e; --good: #1e7b34; --muted: #666; --line: #ddd; --mark: #fde8e7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { background: #1f2937; color: #fff; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 21px; }
header code { color: #d1d5db; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section.subject { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 20px; margin: 18px 0; }
h2 { font-size: 19px; margin: 4px 0; } h3 { font-size: 17px; margin: 18px 0 6px; } h4 { font-size: 15px; margin: 14px 0 6px; }
.muted { color: var(--muted); }
.verdict-violated { color: var(--bad); font-weight: 600; } .verdict-holds { color: var(--good); } .verdict-na { color: var(--muted); }
table { border-collapse: collapse; }
table.verdicts td, table.verdicts th { padding: 3px 12px 3px 0; text-align: left; vertical-align: top; }
table.interleaving { font: 12.5px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; width: 100%; table-layout: fixed; }
table.interleaving th, table.interleaving td { border: 1px solid var(--line); padding: 2px 6px; vertical-align: top; word-break: break-word; }
table.interleaving th.idx, table.interleaving td.idx { width: 3.5em; text-align: right; color: var(--muted); }
table.interleaving tr.marked td { background: var(--mark); }
table.interleaving tr.marked td.idx { color: var(--bad); font-weight: 700; }
td.k-invoke, td.k-return { font-weight: 600; } td.k-fault { color: var(--bad); } td.k-acquire, td.k-release { color: #6b3fa0; }
article.cx { border-top: 2px solid var(--line); margin-top: 18px; padding-top: 8px; }
.message { background: var(--mark); border-left: 4px solid var(--bad); padding: 8px 12px; margin: 8px 0; }
pre { background: #f3f4f6; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; overflow: auto; font-size: 12.5px; }
details pre { max-height: 32em; }
pre.replay { white-space: pre-wrap; word-break: break-all; }
.diagram { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 8px; overflow-x: auto; }
.diagram pre.mermaid { background: none; border: 0; max-height: none; }
.diagram svg { max-width: 100%; height: auto; }
.diagram.machine svg { max-width: 760px !important; }
button.copy { font-size: 12px; margin-left: 8px; }
details > summary { cursor: pointer; margin: 6px 0; }
`;

const SCRIPT = `
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default", sequence: { useMaxWidth: true, wrap: true }, state: { useMaxWidth: true }, maxTextSize: 500000 });
mermaid.run({ querySelector: "pre.mermaid" }).then(
  () => { document.body.dataset.mermaid = "rendered"; },
  (e) => { document.body.dataset.mermaid = "error: " + (e && e.message ? e.message : String(e)); },
);
for (const b of document.querySelectorAll("button.copy")) {
  b.addEventListener("click", () => {
    const text = document.getElementById(b.dataset.target).textContent;
    navigator.clipboard.writeText(text).then(() => { b.textContent = "copied"; }, () => { b.textContent = "select and copy"; });
  });
}
`;

const allOf = (v: Extract<HtmlVerdict, { verdict: "violated" }>) => v.counterexamples ?? [v.counterexample];

function verdictCell(v: HtmlVerdict): string {
  if (v.verdict === "violated") {
    const n = allOf(v).length;
    return `<td class="verdict-violated">VIOLATED</td><td>${esc(sizeText(v.counterexample.size))}${n > 1 ? ` · ${n} distinct counterexamples` : ""}</td>`;
  }
  if (v.verdict === "holds") return `<td class="verdict-holds">holds</td><td class="muted">${esc(v.note ?? "")}</td>`;
  return `<td class="verdict-na">n/a</td><td class="muted">${esc(v.note ?? "")}</td>`;
}

function interleavingHtml(cx: Counterexample): string {
  const { threads, rows } = interleavingRows(cx);
  const head = `<tr><th class="idx">#</th>${Array.from({ length: threads }, (_, t) => `<th>T${t}: ${esc(cx.threads[t]!.map(describeCall).join("; "))}</th>`).join("")}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr${r.marked ? ' class="marked"' : ""}><td class="idx">${r.marked ? "▸" : ""}${r.i}</td>${Array.from({ length: threads }, (_, t) =>
          t === r.tid ? `<td class="k-${r.kind}">${esc(r.text)}</td>` : "<td></td>",
        ).join("")}</tr>`,
    )
    .join("\n");
  return `<table class="interleaving" data-steps="${rows.length}"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function counterexampleHtml(subject: Subject, cx: Counterexample, k = 0): string {
  // The first counterexample of a property has the property's anchor; the others -2, -3, ...
  const id = `${anchorOf(subject, cx.property)}${k ? `-${k + 1}` : ""}`;
  // A variant from a file replays with that file.
  const replay = `kvm-ordercheck replay ${cx.replay}${subject.source ? ` --variant-file ${subject.source}` : ""}`;
  const program = cx.threads.map((t, i) => `<li><b>T${i}</b>: ${esc(t.map(describeCall).join("; "))}</li>`).join("");
  const repros = reproducersOf(cx, subject)
    .map((r, k) =>
      r.code !== null
        ? `<details${k === 0 ? " open" : ""}><summary>${esc(r.title)} <span class="muted">(${esc(r.file)})</span></summary><pre id="${id}-c${k}">${esc(r.code)}</pre><button class="copy" data-target="${id}-c${k}">copy</button></details>`
        : `<p class="muted">${esc(r.title)}: not available (${esc(r.error ?? "")})</p>`,
    )
    .join("\n");
  return `<article class="cx" id="${id}">
<h3>${esc(subject.target)}@${esc(subject.variant)}: <span class="verdict-violated">${esc(cx.property)} violated</span>${k ? ` <span class="muted">(counterexample ${k + 1}: another signature)</span>` : ""}</h3>
<div class="message">${esc(cx.message)}</div>
<p>counterexample: ${esc(sizeText(cx.size))}; decisions [${cx.decisions.join(", ")}]; outcome ${esc(cx.execution.outcome)}</p>
<ul>${program}</ul>
<h4>Replay</h4>
<pre class="replay" id="${id}-replay">${esc(replay)}</pre><button class="copy" data-target="${id}-replay">copy</button>
<h4>Sequence diagram</h4>
<div class="diagram"><pre class="mermaid">${esc(sequenceDiagram(cx))}</pre></div>
<h4>Interleaving (${cx.execution.events.length} steps; ▸ marks the events the property names)</h4>
${interleavingHtml(cx)}
<h4>C reproducer</h4>
${repros}
</article>`;
}

function coverageHtml(subject: Subject, c: CoverageSummary): string {
  const list = (xs: readonly string[]) => (xs.length ? esc(xs.join("; ")) : "none");
  // Not inside a closed <details>: Mermaid measures text as it lays out, and hidden text measures 0.
  return `<div class="coverage"><h4>Model coverage: reference machine <code>${esc(c.machine)}</code>, states ${c.states.reached}/${c.states.total}, transitions ${c.transitions.reached}/${c.transitions.total} reached</h4>
<p>Not reached: states ${list(c.states.missing)}; transitions ${list(c.transitions.missing)}</p>
<div class="diagram machine"><pre class="mermaid">${esc(stateDiagram(subject.model.machine))}</pre></div></div>`;
}

function sectionHtml(s: HtmlSection): string {
  const { subject } = s;
  const rows = s.verdicts
    .map((v) => {
      const name = v.verdict === "violated" ? `<a href="#${anchorOf(subject, v.property)}">${esc(v.property)}</a>` : esc(v.property);
      return `<tr><td>${name}</td>${verdictCell(v)}</tr>`;
    })
    .join("\n");
  const cxs = s.verdicts.flatMap((v) => (v.verdict === "violated" ? allOf(v).map((cx, k) => counterexampleHtml(subject, cx, k)) : []));
  return `<section class="subject" id="${esc(`${subject.target}@${subject.variant}`.replace(/[^A-Za-z0-9_-]/g, "_"))}">
<h2>${esc(subject.target)}@${esc(subject.variant)}</h2>
<p>${esc(subject.summary)}<br><span class="muted">${esc(subject.patch.title)} (${esc(subject.patch.date)}, <a href="${esc(loreUrl(subject.patch.messageId))}">&lt;${esc(subject.patch.messageId)}&gt;</a>)</span></p>
${subject.fixture?.length ? `<p class="muted">every program starts from: ${esc(subject.fixture.map(describeCall).join("; "))}</p>` : ""}
<table class="verdicts"><thead><tr><th>property</th><th>verdict</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>
${s.how ? `<p class="muted">${esc(s.how)}</p>` : ""}
${cxs.join("\n")}
${s.coverage ? coverageHtml(subject, s.coverage) : s.coverage === null ? `<div class="coverage"><h4>Model coverage: ${esc(NOT_RECORDED)}</h4></div>` : ""}
</section>`;
}

export function htmlReport(input: HtmlReportInput): string {
  const violated = input.sections.some((s) => s.verdicts.some((v) => v.verdict === "violated"));
  const count = input.sections.reduce((n, s) => n + s.verdicts.reduce((m, v) => m + (v.verdict === "violated" ? allOf(v).length : 0), 0), 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title>
<style>${CSS}</style></head>
<body data-mermaid="pending">
<header><h1>${esc(input.title)}</h1>
<div>verdict: <b class="${violated ? "verdict-violated" : "verdict-holds"}" style="color:${violated ? "#fca5a5" : "#86efac"}">${violated ? `violated (${count} counterexample${count === 1 ? "" : "s"})` : "nothing found"}</b>${input.command ? ` · <code>${esc(input.command)}</code>` : ""}</div></header>
<main>
${input.sections.map(sectionHtml).join("\n")}
</main>
${input.mermaidSrc ? `<script src="${esc(input.mermaidSrc)}"></script>` : `<script>${mermaidScript()}</script>`}
<script>${SCRIPT}</script>
</body></html>
`;
}

/** The index of a report directory: every variant of the run, with its verdicts and a link to its page. */
export function bundleIndexHtml(entries: readonly { readonly section: HtmlSection; readonly href: string }[]): string {
  const count = (s: HtmlSection, v: HtmlVerdict["verdict"]) => s.verdicts.filter((x) => x.verdict === v).length;
  const rows = entries
    .map(({ section: s, href }) => {
      const violated = count(s, "violated");
      const verdict = violated
        ? `<span class="verdict-violated">${violated} violated</span>`
        : `<span class="verdict-holds">nothing found</span>`;
      const rest = [`${count(s, "holds")} hold`, count(s, "n/a") ? `${count(s, "n/a")} n/a` : ""].filter(Boolean).join(", ");
      const violatedNames = s.verdicts.filter((v) => v.verdict === "violated").map((v) => esc(v.property));
      return `<tr><td><a href="${esc(href)}">${esc(s.subject.target)}@${esc(s.subject.variant)}</a></td><td>${verdict}${violatedNames.length ? `: ${violatedNames.join(", ")}` : ""}; ${esc(rest)}</td>
<td>${esc(s.subject.summary)}<br><span class="muted">${esc(s.subject.patch.title)} (<a href="${esc(loreUrl(s.subject.patch.messageId))}">lore</a>)</span></td><td class="muted">${esc(s.how ?? "")}</td></tr>`;
    })
    .join("\n");
  const violated = entries.some(({ section }) => count(section, "violated") > 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kvm-ordercheck report</title>
<style>${CSS}
table.index td, table.index th { padding: 6px 14px 6px 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }</style></head>
<body>
<header><h1>kvm-ordercheck report</h1>
<div>verdict: <b style="color:${violated ? "#fca5a5" : "#86efac"}">${violated ? "violated" : "nothing found"}</b> · ${entries.length} variant${entries.length === 1 ? "" : "s"}</div></header>
<main><section class="subject">
<table class="index"><thead><tr><th>target@variant</th><th>verdicts</th><th>patch</th><th>run</th></tr></thead><tbody>
${rows}
</tbody></table></section></main>
</body></html>
`;
}
