#!/usr/bin/env node
// `npx switchover ...`: runs the TypeScript CLI through tsx (a runtime dependency), no build step needed.
require('tsx/cjs');
const { runCli } = require('../client/cli.ts');
runCli(process.argv.slice(2)).then((code) => process.exit(code));
