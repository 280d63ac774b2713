/**
 * S3 access point ARNs, which a request names instead of the bucket when it goes through an
 * access point: `arn:<partition>:s3:<region>:<account>:accesspoint/<name>` for the bucket-level
 * actions (listing), `<that>/object/<key>` for the object actions.
 */

/** An access point ARN, or the ARN of an object through it, taken apart. */
export interface AccessPointResource {
  readonly accessPointArn: string;
  /** The object key, for `<access point ARN>/object/<key>`. */
  readonly objectKey?: string;
}

/** Takes apart an access point ARN (`arn:aws:s3:<region>:<account>:accesspoint/<name>[/object/<key>]`); undefined for other ARNs. */
export function parseAccessPointResource(resource: string): AccessPointResource | undefined {
  const match = /^(arn:[^:]+:s3:[^:]+:\d{12}:accesspoint\/[^/]+)(\/.*)?$/.exec(resource);
  if (match === null) {
    return undefined;
  }
  const [, accessPointArn, rest] = match;
  if (rest === undefined) {
    return { accessPointArn };
  }
  if (!rest.startsWith('/object/')) {
    throw new Error(`${resource}: an access point ARN goes on with /object/<key> or not at all`);
  }
  return { accessPointArn, objectKey: rest.slice('/object/'.length) };
}
