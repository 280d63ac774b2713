/**
 * Preloaded by the integ tasks (node -r): every `require('aws-cdk-lib...')` resolves to
 * aws-cdk-lib at the peer floor (package alias aws-cdk-lib-peer-floor) instead of the current
 * release the rest of the project develops against, and `@aws-cdk/cloud-assembly-schema` to the
 * schema that release writes (alias aws-cdk-cloud-assembly-schema-peer-floor).
 *
 * Why: integ-runner 2.197.10, the newest published, reads cloud assembly schema 53 at most,
 * and aws-cdk-lib writes 54 from 2.262 on. Running the integ test at the peer floor keeps
 * integ-runner usable and also proves that the library works with the oldest aws-cdk-lib it
 * accepts.
 */
const Module = require('module');

const ALIASES = {
  'aws-cdk-lib': 'aws-cdk-lib-peer-floor',
  '@aws-cdk/cloud-assembly-schema': 'aws-cdk-cloud-assembly-schema-peer-floor',
};
const resolveFilename = Module._resolveFilename;

function alias(request) {
  for (const [name, replacement] of Object.entries(ALIASES)) {
    if (request === name || request.startsWith(`${name}/`)) {
      return replacement + request.slice(name.length);
    }
  }
  return request;
}

Module._resolveFilename = function resolvePeerFloor(request, ...rest) {
  return resolveFilename.call(this, alias(request), ...rest);
};
