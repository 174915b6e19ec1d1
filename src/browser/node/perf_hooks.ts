/** node:perf_hooks in a browser rank. */
const clock = globalThis.performance;
export { clock as performance };
