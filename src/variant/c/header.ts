/**
 * The leading comment of a C variant file: `Key: value` lines naming the variant
 * (`Variant:`), the patch (`Subject:`, `Message-Id:`, `Date:`, `List:`, `Summary:`) and
 * the shipped variant it takes what C cannot say from (`Base:`).
 */

export interface CHeader {
  readonly variant?: string;
  readonly subject?: string;
  readonly messageId?: string;
  readonly date?: string;
  readonly list?: string;
  readonly summary?: string;
  readonly base?: string;
}

const HEADER_KEYS: Readonly<Record<string, keyof CHeader>> = {
  variant: "variant",
  subject: "subject",
  "message-id": "messageId",
  date: "date",
  list: "list",
  summary: "summary",
  base: "base",
};

/** `Key: value` lines of the file's first comment. */
export function parseHeader(text: string): CHeader {
  const m = /^\s*(\/\*[\s\S]*?\*\/|(?:\/\/[^\n]*\n\s*)+)/.exec(text);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const raw of m[1]!.split("\n")) {
    const line = raw.replace(/^\s*(\/\*+|\*+\/?|\/\/)?\s?/, "").replace(/\s*\*\/\s*$/, "");
    const kv = /^([A-Za-z-]+):\s*(.+?)\s*$/.exec(line);
    const key = kv && HEADER_KEYS[kv[1]!.toLowerCase()];
    if (key && out[key] === undefined) out[key] = kv[2]!.replace(/^<(.*)>$/, "$1");
  }
  return out;
}
