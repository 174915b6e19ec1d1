#!/usr/bin/env node
// The mpi4ts command (see `mpi4ts --help`). The compiled sources live in dist/ (built by `npm install`).
import { main } from "../dist/bundle/main.js";

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
