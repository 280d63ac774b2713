import { proveRandomConfigurations, SWEEP_EVERY, TOTAL_RUNS } from './random-configurations';

const RUNS = Math.ceil(TOTAL_RUNS / 2);

test(`${RUNS} random share configurations (half 1 of ${TOTAL_RUNS}): every principal reaches exactly its intended requests`, async () => {
  const { questions, requests, swept } = await proveRandomConfigurations(RUNS);
  // Every configuration was proved complete (S3 and KMS, on the owner's side: four questions at
  // least), none skipped; one in SWEEP_EVERY was swept too (over a hundred requests each).
  expect(questions).toBeGreaterThanOrEqual(RUNS * 4);
  expect(swept).toBe(Math.ceil(RUNS / SWEEP_EVERY));
  expect(requests).toBeGreaterThan(swept * 100);
}, 900_000);
