// Starts an exhaustive worker from the TypeScript sources (tests, tsx): registers tsx's
// loader in this worker thread, then runs the worker module. The built package does not
// need it: its worker is JavaScript.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
