#!/usr/bin/env node
'use strict';
// The `vigil` command: a thin launcher for the compiled CLI in dist/.
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', '..', '..', 'dist', 'tools', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('vigil: run `npm run build` first\n');
  process.exit(1);
}
process.setSourceMapsEnabled(true);
require(entry)
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`vigil: ${(error && error.stack) || error}\n`);
      process.exitCode = 1;
    },
  );
