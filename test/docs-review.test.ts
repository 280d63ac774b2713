/**
 * docs/reviewing-access.md shows what the compiled CLI prints for the example app. If this fails
 * after an intended change, run `npx projen compile && npx projen docs:review -- --update`.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { REVIEW_PAGE, reviewBlocks, synthesizeExampleApp, synthesizeHandAddedApp, withBlocks } from './docs/review-blocks';

test('docs/reviewing-access.md shows the review table, the diagram, the explained Access Denied and the hand-added grant as the CLI prints them now', () => {
  const blocks = reviewBlocks(synthesizeExampleApp(), synthesizeHandAddedApp());
  // What the page says of them: every consumer of the example app covered; the Access Denied explained as denied;
  // the hand-added grant found (exit 1) and its request explained as allowed.
  expect(blocks.map(block => [block.name, block.exitCode])).toEqual([['table', 0], ['mermaid', 0], ['explain', 1], ['hand-added', 1], ['hand-added-explain', 0]]);
  const page = readFileSync(join(__dirname, '..', REVIEW_PAGE), 'utf8');
  expect(withBlocks(page, blocks)).toEqual(page);
}, 120_000);
