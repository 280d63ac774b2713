/**
 * README "Reviewing access" shows what the compiled CLI prints for the example app. If this fails
 * after an intended change, run `npx projen compile && npx projen readme:review -- --update-readme`.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { reviewBlocks, synthesizeExampleApp, synthesizeHandAddedApp, withBlocks } from './readme/review-blocks';

test('README shows the review table, the diagram, the explained Access Denied and the hand-added grant as the CLI prints them now', () => {
  const blocks = reviewBlocks(synthesizeExampleApp(), synthesizeHandAddedApp());
  // What README says of them: every consumer of the example app covered; the Access Denied explained as denied;
  // the hand-added grant found (exit 1) and its request explained as allowed.
  expect(blocks.map(block => [block.name, block.exitCode])).toEqual([['table', 0], ['mermaid', 0], ['explain', 1], ['hand-added', 1], ['hand-added-explain', 0]]);
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  expect(withBlocks(readme, blocks)).toEqual(readme);
}, 120_000);
