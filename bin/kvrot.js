#!/usr/bin/env node
// kvrot's launcher: runs src/cli/main.ts straight from source through the TypeScript loader
// beside this file (npm ci installs TypeScript; there is no build step to forget or go stale).
import { register } from 'node:module';

register('./typescript-loader.js', import.meta.url);
const { main } = await import('../src/cli/main.ts');
const { processIo } = await import('../src/cli/io.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
