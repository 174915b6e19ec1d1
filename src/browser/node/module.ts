/** node:module in a browser rank: no CommonJS and no native addons; source maps are the browser's business. */
import { MPIError } from "../../errors.js";

export function createRequire(_from: string | URL): (id: string) => never {
  return (id) => {
    throw new MPIError("ERR_UNSUPPORTED_OPERATION", `require("${id}"): native modules do not load in the browser`);
  };
}

export function findSourceMap(_path: string): undefined { return undefined; }
