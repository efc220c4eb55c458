#!/usr/bin/env node
// Entry for the `rampart` bin: the TypeScript sources run directly on Node 24 (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `rampart needs Node.js 24 or newer (this is ${process.version}); run it through npm or install Node 24.\n`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
