/**
 * The guide's per-target lists (docs/writing-a-variant.md, "Every target's hooks, functions
 * and shared fields"), generated from the hook tables so that they cannot drift: a test
 * compares the guide with `hookTablesMarkdown()`. `npm run docs:hooks` rewrites the guide.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeCall } from "../program/describe.js";
import type { TargetHookTable } from "./hooks.js";
import { sharedFields } from "./hooks.js";
import { TARGETS } from "./registry.js";

export const BEGIN = "<!-- hook-tables: generated from src/targets/*/hooks.ts by `npm run docs:hooks`; do not edit -->";
export const END = "<!-- hook-tables: end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|");

function tableOf(t: TargetHookTable): string {
  const out: string[] = [`### \`${t.target}\``, ""];
  out.push("Hooks a variant may supply (the key is where a variant object carries it):", "");
  out.push("| kernel function | key | prototype | without it | reached by |", "| --- | --- | --- | --- | --- |");
  for (const h of t.hooks) {
    const without = h.default ? "the shipped code runs" : h.shipped ? "required (a shipped design's may be reused)" : "required";
    const calls = h.reachedBy.length ? h.reachedBy.map(describeCall).join("; ") : "the version's cap (its `capArgs`)";
    out.push(`| \`${h.kernel}\` (${h.file}) | \`${h.key}\` | \`${cell(h.prototype)}\` | ${without} | ${cell(calls)} |`);
  }
  out.push("", "Kernel functions a variant's code may call (besides the other hooks):", "");
  out.push(t.functions.map((f) => `\`${cell(f.prototype)}\``).join("; "));
  const fields = sharedFields(t);
  const list = (kind: "cell" | "mutex") =>
    fields
      .filter((f) => f.kind === kind)
      .map((f) => `\`${f.name}\` (\`${f.path}\`)`)
      .join(", ");
  out.push("", `Shared fields (C name, then the TypeScript path): mutexes ${list("mutex")}; cells ${list("cell")}.`);
  return out.join("\n");
}

/** The generated part of the guide, markers included. */
export function hookTablesMarkdown(): string {
  return [BEGIN, "", ...TARGETS.flatMap((t) => [tableOf(t.hooks), ""]), END].join("\n");
}

/** The guide with its generated part replaced. */
export function withHookTables(guide: string): string {
  const from = guide.indexOf(BEGIN);
  const to = guide.indexOf(END);
  if (from < 0 || to < from) throw new Error("the guide has no hook-tables markers");
  return guide.slice(0, from) + hookTablesMarkdown() + guide.slice(to + END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = new URL("../../docs/writing-a-variant.md", import.meta.url);
  writeFileSync(path, withHookTables(readFileSync(path, "utf8")));
}
