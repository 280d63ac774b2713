/**
 * Prints what docs/reviewing-access.md shows (the compiled CLI on the example app); `--update`
 * writes it into that page. Run npx projen compile first.
 *
 *   npx projen docs:review -- --update
 */
import { readFileSync, writeFileSync } from 'fs';
import { REVIEW_PAGE, renderBlock, reviewBlocks, synthesizeExampleApp, synthesizeHandAddedApp, withBlocks } from '../test/docs/review-blocks';

const blocks = reviewBlocks(synthesizeExampleApp(), synthesizeHandAddedApp());
console.log(blocks.map(renderBlock).join('\n\n'));
if (process.argv.includes('--update')) {
  writeFileSync(REVIEW_PAGE, withBlocks(readFileSync(REVIEW_PAGE, 'utf8'), blocks));
  console.log(`${REVIEW_PAGE} updated`);
}
