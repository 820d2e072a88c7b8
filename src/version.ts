/** The package's version, from its package.json (one source for `--version` and the JSON output). */
import { createRequire } from "node:module";

// Self-reference through "exports" ("./package.json"): the same from src/ and from dist/.
export const VERSION: string = (createRequire(import.meta.url)("kvm-ordercheck/package.json") as { version: string }).version;
