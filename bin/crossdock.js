#!/usr/bin/env node
// `npx crossdock ...`: runs the compiled CLI (npm run build, or npm start, compiles it).
require('../dist/src/cli/main.js');
