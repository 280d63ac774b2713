/**
 * Preloaded by the integ tasks (node -r): every `require('aws-cdk-lib...')` resolves to
 * aws-cdk-lib at the peer floor (package alias aws-cdk-lib-peer-floor) instead of the current
 * release the rest of the project develops against.
 *
 * Why: integ-runner 2.197.10, the newest published, reads cloud assembly schema 53 at most,
 * and aws-cdk-lib writes 54 from 2.262 on. Running the integ test at the peer floor keeps
 * integ-runner usable and also proves that the library works with the oldest aws-cdk-lib it
 * accepts.
 */
const Module = require('module');

const LIBRARY = 'aws-cdk-lib';
const PEER_FLOOR = 'aws-cdk-lib-peer-floor';
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function resolvePeerFloor(request, ...rest) {
  const mapped = request === LIBRARY || request.startsWith(`${LIBRARY}/`)
    ? PEER_FLOOR + request.slice(LIBRARY.length)
    : request;
  return resolveFilename.call(this, mapped, ...rest);
};
