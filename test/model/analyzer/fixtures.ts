/**
 * Templates as loadAssembly reads them, written by hand for the analyzer tests: an owner stack
 * with its bucket, its bucket policy and whatever else a test adds (access points, a key), and
 * the statements those tests grant with.
 */
import { PolicyAnalyzer } from '../../../lib/model/analyzer/analyzer';
import { collectPolicies } from '../../../lib/model/analyzer/template';
import { LoadedStack } from '../../../lib/model/analyzer/template-files';

export const OWNER = '111111111111';
export const REGION = 'eu-west-1';

/** A stack of `account` (the owner's unless given) named `id`, holding `resources`. */
export function loadedStack(id: string, resources: Record<string, object>, account = OWNER): LoadedStack {
  return { id, stackName: id, environment: { account, region: REGION, partition: 'aws' }, source: 'test', template: { Resources: resources } };
}

export interface OwnerOptions {
  /** More properties of the bucket (`BucketEncryption`, `PublicAccessBlockConfiguration`). */
  readonly bucketProperties?: object;
  /** More resources of the stack (access points, a key). */
  readonly resources?: Record<string, object>;
  readonly account?: string;
}

/** The stack `Owner`: the bucket `bucketName` (logical id `Bucket`) and a bucket policy (`Policy`) of these statements. */
export function ownerStack(bucketName: string, statements: object[], options: OwnerOptions = {}): LoadedStack {
  return loadedStack('Owner', {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: bucketName, ...options.bucketProperties } },
    Policy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: { Version: '2012-10-17', Statement: statements } } },
    ...options.resources,
  }, options.account);
}

/** An access point named `name` on the stack's bucket (or the bucket `bucket` names), whose policy holds `statements`. */
export function accessPointResource(name: string, statements: object[], bucket: object | string = { Ref: 'Bucket' }, properties: object = {}): object {
  return {
    Type: 'AWS::S3::AccessPoint',
    Properties: { Bucket: bucket, ...properties, Name: name, Policy: { Version: '2012-10-17', Statement: statements } },
  };
}

/** `arn:aws:s3:<region>:<account>:accesspoint/<name>`. */
export function accessPointArn(name: string, account = OWNER): string {
  return `arn:aws:s3:${REGION}:${account}:accesspoint/${name}`;
}

/** The statement that lets `principal` read `resource`. */
export function read(sid: string, principal: object | string, resource: string, extra: object = {}): object {
  return { Sid: sid, Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: resource, ...extra };
}

/** The bucket policy statement that delegates to the owner's access points (AWS, "delegating access control to access points"). */
export function delegateToAccessPoints(bucketArn: string): object {
  return {
    Sid: 'Delegate',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: '*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER } },
  };
}

export async function analyzerOf(...stacks: LoadedStack[]): Promise<PolicyAnalyzer> {
  return PolicyAnalyzer.create(collectPolicies(stacks));
}
