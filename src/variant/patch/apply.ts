/**
 * `--patch <file> --base <target@variant>`: the patch's hunks applied (jsdiff) to the C
 * of a shipped variant, and the result checked as a new variant named from the subject
 * line. Hunks of files that are not kernel C (Documentation/, tools/) are left out; a
 * hunk that does not apply, in particular one of a function the base's C does not have
 * (the model does not have it), is refused with one line.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StructuredPatch } from "diff";
import { applyPatch, parsePatch } from "diff";
import { findTarget } from "../../targets/registry.js";
import { UsageError } from "../../targets/errors.js";
import { shippedCFile } from "../c/shipped.js";
import { parseHeader } from "../c/header.js";
import { C_WORLDS } from "../c/variant.js";
import type { LoadedVariant } from "../load.js";
import { loadVariantFile } from "../load.js";
import type { Mail } from "./mbox.js";
import { splitMailbox, subjectText, versionOf } from "./mbox.js";

/** Paths whose hunks are not kernel C the model could have. */
const NOT_C = (path: string) => /(^|\/)(Documentation|tools)\//.test(path) || !/\.[ch]$/.test(path);

const stripAB = (p: string | undefined) => (p ?? "").replace(/^[ab]\//, "");

/** The `@@ ... @@ heading` lines of a mail's diff, in order (jsdiff does not keep the heading). */
const headings = (body: string) => [...body.matchAll(/^(@@ [^@]*@@)[ \t]?(.*)$/gm)].map((m) => ({ range: m[1]!, heading: m[2]!.trim() }));

export interface Patched {
  /** The base's C with every hunk applied. */
  readonly text: string;
  /** The mails whose hunks were applied, in order. */
  readonly mails: readonly Mail[];
  /** Files whose hunks were left out (documentation, selftests). */
  readonly skipped: readonly string[];
}

/** Applies the diffs of `mails` to `base` (the C of `baseSpec`, at `baseFile`); `patchFile` names the patch in messages. */
export function applyMails(patchFile: string, mails: readonly Mail[], baseSpec: string, baseFile: string, base: string): Patched {
  let text = base;
  const used: Mail[] = [];
  const skipped = new Set<string>();
  for (const [mi, mail] of mails.entries()) {
    let files: StructuredPatch[];
    try {
      files = parsePatch(mail.body);
    } catch (e) {
      throw new UsageError(`${patchFile}: ${mails.length > 1 ? `message ${mi + 1}: ` : ""}not a unified diff (${e instanceof Error ? e.message : String(e)})`);
    }
    const heads = headings(mail.body);
    let h = 0;
    let applied = false;
    for (const f of files) {
      const path = stripAB(f.newFileName !== "/dev/null" ? f.newFileName : f.oldFileName);
      const mine = heads.slice(h, (h += f.hunks.length));
      if (NOT_C(path)) {
        if (f.hunks.length) skipped.add(path);
        continue;
      }
      for (const [k, hunk] of f.hunks.entries()) {
        const next = applyPatch(text, { ...f, hunks: [hunk] });
        if (next === false) {
          const where = mine[k] ? `${mine[k].range}${mine[k].heading ? ` ${mine[k].heading}` : ""}` : `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
          const fn = /([A-Za-z_]\w*)\s*\(/.exec(mine[k]?.heading ?? "")?.[1];
          const why =
            fn && !new RegExp(`\\b${fn}\\s*\\(`).test(text)
              ? `${fn}() is not in it: the model does not have that function`
              : "its context lines are not in it";
          throw new UsageError(
            `${patchFile}: ${mails.length > 1 ? `message ${mi + 1} (${mail.subject ?? "no subject"}), ` : ""}hunk ${k + 1} of ${path} (${where}) does not apply to the C of ${baseSpec} (${baseFile}): ${why}`,
          );
        }
        text = next;
        applied = true;
      }
    }
    if (applied) used.push(mail);
  }
  if (used.length === 0)
    throw new UsageError(`${patchFile}: no hunk of kernel C in it${skipped.size ? ` (only ${[...skipped].join(", ")})` : ""}: nothing to check`);
  return { text, mails: used, skipped: [...skipped] };
}

/** The variant's name from the subject: `[PATCH v9 3/3] ...` → v9 (v9-patch if a shipped variant is v9). */
function nameOf(target: string, mail: Mail): string {
  const subject = mail.subject ?? "";
  const name =
    versionOf(subject) ??
    (subjectText(subject)
      .toLowerCase()
      .replace(/^[a-z0-9-]+:\s*(kvm:\s*)?/, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") ||
      "patch");
  return findTarget(target).variants.some((v) => v.name === name) ? `${name}-patch` : name;
}

/**
 * The variant `patchFile` makes of `baseSpec` (default: the target's newest shipped
 * variant with C). The patched C is written to a file of its own (under the system's
 * temporary directory, named by its content) so that it is checked, replayed and
 * loaded by exhaustive workers as any C variant file: the verdicts name it.
 */
export async function loadPatchVariant(patchFile: string, target: string, baseSpec: string | undefined): Promise<LoadedVariant> {
  const entry = C_WORLDS[target];
  if (!entry) throw new UsageError(`--patch: ${target} takes no C variants (C variants are for ${Object.keys(C_WORLDS).join(", ")})`);
  const spec = baseSpec ?? `${target}@${entry.base}`;
  const [bt, bv] = spec.split("@");
  if (bt !== target || !bv) throw new UsageError(`--base ${spec}: expected ${target}@<variant>, a shipped variant of the target the command checks`);
  const baseFile = shippedCFile(target, bv);
  if (!baseFile) {
    const known = findTarget(target).variants.map((v) => v.name);
    throw new UsageError(`--base ${spec}: ${known.includes(bv) ? "has no C form to apply a patch to" : `unknown variant (known: ${known.join(", ")})`}`);
  }
  let raw: string;
  try {
    if (!statSync(patchFile).isFile()) throw new Error("not a file");
    raw = readFileSync(patchFile, "utf8");
  } catch {
    throw new UsageError(`--patch ${patchFile}: not found (or not a file)`);
  }
  const patched = applyMails(patchFile, splitMailbox(raw), spec, baseFile, readFileSync(baseFile, "utf8"));
  const last = patched.mails[patched.mails.length - 1]!;
  const name = nameOf(target, last);
  // The patch may change the base's leading comment (its `Base:`); otherwise the base stays.
  const header = parseHeader(patched.text);
  const others = patched.mails.flatMap((m) => (m !== last && m.messageId ? [m.messageId] : []));
  const meta = [
    `Variant: ${name}`,
    `Subject: ${last.subject ?? `${patchFile} applied to ${spec}`}`,
    ...(last.messageId ? [`Message-Id: <${last.messageId}>`] : []),
    ...(last.date ? [`Date: ${last.date}`] : []),
    `Base: ${header.base ?? spec}`,
    `Summary: ${patchFile} applied to the C of ${spec}${others.length ? ` (with ${others.join(", ")})` : ""}`,
  ];
  const text = `/*\n${meta.map((l) => ` * ${l}`).join("\n")}\n *\n * Written by kvm-ordercheck --patch; the C below is ${spec}'s with the patch applied.\n */\n${patched.text}`;
  const dir = join(tmpdir(), "kvm-ordercheck-patches");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${target}@${name}-${createHash("sha256").update(text).digest("hex").slice(0, 10)}.c`);
  writeFileSync(file, text);
  return loadVariantFile(file, { target });
}
