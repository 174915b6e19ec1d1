/**
 * mpi4ts for web pages (dist/browser/mpi4ts.js): everything `import { MPI } from "mpi4ts"` offers, for the
 * programs a page runs, and startJob, with which the page runs them (job.ts).
 */
export * from "../index.js";
export { startJob, STOPPED } from "./launcher.js";
export { MAX_BROWSER_RANKS, type BrowserJob, type BrowserJobOptions } from "./job.js";
export { renderPage as timelinePage } from "../trace/view.js";
export type { Trace } from "../trace/merge.js";
