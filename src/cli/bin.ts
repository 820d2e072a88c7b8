/** The executable's entry: run the CLI and exit with its status. */
import { main } from "./main.js";

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  // An internal error is a bug in the tool, not bad input: say so on one line.
  process.stderr.write(`kvm-ordercheck: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 3;
}
