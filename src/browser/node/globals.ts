/**
 * What Node code finds as globals and the browser lacks: the browser bundle injects these wherever mpi4ts's code
 * names `process`, `Buffer` or `setImmediate` (scripts/bundle.mjs).
 */
export { process, setImmediate } from "./process.js";
export { Buffer } from "./buffer.js";
