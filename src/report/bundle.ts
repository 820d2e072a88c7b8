/**
 * A report bundle: for every target@variant of a run, a directory
 * `<dir>/<target>@<variant>/` with one HTML page (verdicts, every counterexample with its
 * diagram, table, C and replay, and the reference machine's coverage; a variant that
 * holds gets its page too) and, per counterexample (named by its property), the Mermaid
 * diagram (.mmd), the ITF trace (.itf.json), the JSON (.json) and the C reproducers
 * (.c, .selftest.c); and `<dir>/index.html`, every variant of the last run with its
 * verdicts and a link to its page. A variant's directory is replaced on every run that
 * checks it, so what is there is always the last run's.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Counterexample } from "../explore/counterexample.js";
import type { HtmlSection } from "./html.js";
import { bundleIndexHtml, htmlReport, mermaidBrowserBuild } from "./html.js";
import { itfText } from "./itf.js";
import { counterexampleJson } from "./json.js";
import { sequenceDiagram } from "./mermaid.js";
import { makeDirs, temporaryBeside, writeFileAtomic } from "./output-files.js";
import { reproducersOf } from "./reproducers.js";


export interface BundleEntry {
  readonly name: string;
  readonly dir: string;
  readonly html: string;
  readonly counterexamples: number;
  readonly files: readonly string[];
}

const counterexamplesOf = (s: HtmlSection): Counterexample[] =>
  s.verdicts.flatMap((v) => (v.verdict === "violated" ? [v.counterexample] : []));

/** The directory's one copy of Mermaid's browser build, which every page there loads. */
const MERMAID_JS = "mermaid.min.js";

/**
 * `name` as one path component inside `dir`, or an Error: only letters, digits and . _ + - @,
 * not starting with a dot. Whatever a variant's name says (a file's variant is input), the
 * bundle writes and deletes nothing outside `dir`.
 */
export function insideDir(dir: string, name: string): string {
  const path = resolve(dir, name);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+@-]*$/.test(name) || dirname(path) !== resolve(dir))
    throw new Error(`'${JSON.stringify(name).slice(1, -1)}' is not a file name a report may have`);
  return path;
}

export function writeBundle(dir: string, sections: readonly HtmlSection[]): BundleEntry[] {
  const out: BundleEntry[] = [];
  // Every variant has a page (those that hold too): the directory and its Mermaid copy are always there.
  if (sections.length === 0) return out;
  makeDirs(dir);
  const js = join(dir, MERMAID_JS);
  const tmp = temporaryBeside(js);
  try {
    copyFileSync(mermaidBrowserBuild(), tmp);
    renameSync(tmp, js);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  for (const s of sections) {
    // Read once: every path below comes from this one string.
    const name = `${s.subject.target}@${s.subject.variant}`;
    const sub = insideDir(dir, name);
    const cxs = counterexamplesOf(s);
    // Written beside the old bundle and renamed over it: a failure leaves the old one, never half of a new one.
    const tmp = temporaryBeside(sub);
    const files: string[] = [];
    try {
      mkdirSync(tmp);
      const put = (file: string, text: string) => {
        writeFileSync(insideDir(tmp, file), text);
        files.push(file);
      };
      put("index.html", htmlReport({ title: `kvm-ordercheck: ${name}`, sections: [s], mermaidSrc: `../${MERMAID_JS}` }));
      for (const cx of cxs) {
        put(`${cx.property}.mmd`, sequenceDiagram(cx));
        put(`${cx.property}.itf.json`, itfText(cx));
        const json = { target: s.subject.target, variant: s.subject.variant, ...counterexampleJson(cx) };
        put(`${cx.property}.json`, `${JSON.stringify(json, null, 2)}\n`);
        for (const r of reproducersOf(cx, s.subject)) if (r.code !== null) put(r.file, r.code);
      }
      rmSync(sub, { recursive: true, force: true });
      renameSync(tmp, sub);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    out.push({ name, dir: sub, html: join(sub, "index.html"), counterexamples: cxs.length, files });
  }
  writeFileAtomic(join(dir, "index.html"), bundleIndexHtml(sections.map((s, k) => ({ section: s, href: `${encodeURIComponent(out[k]!.name)}/index.html` }))));
  return out;
}
