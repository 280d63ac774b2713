/**
 * Prints what README "Reviewing access" shows (the compiled CLI on the example app);
 * `--update-readme` writes it into README.md. Run npx projen compile first.
 *
 *   npx projen readme:review -- --update-readme
 */
import { readFileSync, writeFileSync } from 'fs';
import { renderBlock, reviewBlocks, synthesizeExampleApp, synthesizeHandAddedApp, withBlocks } from '../test/readme/review-blocks';

const blocks = reviewBlocks(synthesizeExampleApp(), synthesizeHandAddedApp());
console.log(blocks.map(renderBlock).join('\n\n'));
if (process.argv.includes('--update-readme')) {
  writeFileSync('README.md', withBlocks(readFileSync('README.md', 'utf8'), blocks));
  console.log('README.md updated');
}
