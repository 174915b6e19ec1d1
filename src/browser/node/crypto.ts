/** node:crypto in a browser rank: the Web Crypto API's random numbers. */
export function randomUUID(): string { return crypto.randomUUID(); }
export function randomBytes(n: number): Uint8Array { return crypto.getRandomValues(new Uint8Array(n)); }
