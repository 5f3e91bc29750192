import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');

describe('types.generated.ts', () => {
  it('is what scripts/generate-canonical-types.mjs makes of the schemas today', () => {
    // A child process, because the generator and prettier are ES modules that jest's CommonJS
    // runtime cannot load; this also tests the script exactly as `npm run gen:types` runs it.
    const generated = execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts', 'generate-canonical-types.mjs'), '--stdout'],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    const committed = readFileSync(join(__dirname, 'types.generated.ts'), 'utf8');
    if (generated !== committed) {
      throw new Error('src/canonical/types.generated.ts is out of date: run `npm run gen:types`');
    }
  });
});
