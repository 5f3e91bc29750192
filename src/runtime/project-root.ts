import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json. Code runs both from src/ (tests) and dist/src/ (npm start),
 * so data files that ship beside the code (SQL migrations, built-in config folders) are
 * located from here rather than from __dirname.
 */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
