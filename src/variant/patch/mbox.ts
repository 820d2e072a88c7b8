/**
 * A patch as mailed: one `git format-patch` file, or a mailbox of a series as `b4 am`
 * writes it, split into messages at their mbox `From ` lines (as `git mailsplit` does),
 * each with the headers that name it (Subject, Message-Id, Date) and its body, decoded
 * from quoted-printable where the mail was sent that way. A plain `diff -u` output is
 * one message without headers.
 */

export interface Mail {
  readonly subject?: string;
  readonly messageId?: string;
  /** YYYY-MM-DD */
  readonly date?: string;
  readonly body: string;
}

const MBOX_FROM = /^From \S+ +\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$/;

/** Quoted-printable (RFC 2045): soft line breaks and =XX bytes. */
function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === "=" ? /^[0-9A-Fa-f]{2}/.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

function parseMail(lines: readonly string[]): Mail {
  const headers = new Map<string, string>();
  let i = 0;
  let last = "";
  for (; i < lines.length && lines[i] !== ""; i++) {
    const l = lines[i]!;
    if (/^[ \t]/.test(l) && last) headers.set(last, `${headers.get(last)} ${l.trim()}`);
    else {
      const m = /^([\w-]+):\s*(.*)$/.exec(l);
      if (!m) return { body: lines.join("\n") }; // not a mail header: a bare diff
      last = m[1]!.toLowerCase();
      headers.set(last, m[2]!);
    }
  }
  let body = lines.slice(i + 1).join("\n");
  if (/quoted-printable/i.test(headers.get("content-transfer-encoding") ?? "")) body = decodeQuotedPrintable(body);
  // The signature ("-- " and git's version) is not part of the diff.
  body = body.replace(/\n-- \n[\s\S]*$/, "\n");
  const date = headers.get("date");
  const parsed = date ? new Date(date) : null;
  return {
    ...(headers.has("subject") ? { subject: headers.get("subject")! } : {}),
    ...(headers.has("message-id") ? { messageId: headers.get("message-id")!.replace(/^<(.*)>$/, "$1") } : {}),
    ...(parsed && !isNaN(parsed.getTime()) ? { date: parsed.toISOString().slice(0, 10) } : {}),
    body,
  };
}

/** The messages of `text`, in order. */
export function splitMailbox(text: string): Mail[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const starts = lines.flatMap((l, i) => (MBOX_FROM.test(l) ? [i] : []));
  if (starts.length === 0) return [parseMail(lines)];
  return starts.map((s, k) => parseMail(lines.slice(s + 1, starts[k + 1] ?? lines.length)));
}

/** What the subject says about the version: `[PATCH v8 3/3] ...` → `v8`, `[RFC PATCH] ...` → null. */
export function versionOf(subject: string): string | null {
  const tag = /^\s*\[([^\]]*)\]/.exec(subject)?.[1] ?? "";
  return /\b(v\d+)\b/i.exec(tag)?.[1]?.toLowerCase() ?? null;
}

/** The subject without its `[PATCH ...]` tag. */
export function subjectText(subject: string): string {
  return subject.replace(/^\s*(\[[^\]]*\]\s*)+/, "").trim();
}
