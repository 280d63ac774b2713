/**
 * Ten thousand prefix-isolated consumers on one bucket (S3's default quota of access points per
 * account and region), SharingMode.ACCESS_POINTS with organizationId: the key policy names the
 * organization instead of ten thousand accounts, and principal i still reaches its prefix only
 * through access point i, on sampled pairs.
 */
import { proveSampledPairs, TEN_THOUSAND, TEN_THOUSAND_PAIRS } from './sampled-pairs';
import { ORGANIZATION } from './scenario';

test('ten thousand consumers with organizationId: principal i through access point i only, on sampled pairs', async () => {
  await proveSampledPairs(TEN_THOUSAND, TEN_THOUSAND_PAIRS, ORGANIZATION);
}, 600_000);
