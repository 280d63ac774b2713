import { readFileSync } from 'fs';
import { join } from 'path';
import { catalogueSource } from '../../../scripts/analyzer-catalogue';

test('the analyzer\'s action catalogue is the IAM catalogue (rewrite it with scripts/analyzer-catalogue.ts)', async () => {
  expect(readFileSync(join(__dirname, '..', '..', '..', 'lib', 'model', 'analyzer', 'catalogue.ts'), 'utf8')).toEqual(await catalogueSource());
});
