/**
 * The format rules of props: one method per kind of value (account id, key prefix, ARNs of
 * principals, keys, roles and access points, names, regions, durations), each recording through
 * `fail` what it expects. Values that are unresolved tokens are skipped (PropsValidator says which
 * are not).
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AccessLevel } from '../access-level';
import { SharingMode } from '../sharing-mode';
import { ACCESS_POINT_ARN, KEY_ALIAS_ARN, KEY_ARN, knownPartition, PRINCIPAL_ARN, ROLE_ARN } from './arns';

const ACCOUNT_ID = /^\d{12}$/;
const IAM_NAME_CHARACTERS = /^[\w+=,.@-]+$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ORGANIZATIONAL_UNIT_PATH = /^(o-[a-z0-9]{10,32})\/r-[0-9a-z]{4,32}\/(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const TLS_VERSIONS = [1.0, 1.1, 1.2, 1.3];
const MAX_PREFIX_BYTES = 1024;
// S3 access point names: 3 to 50 characters, lowercase letters, digits and hyphens, starting
// and ending with a letter or digit.
const ACCESS_POINT_NAME = /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;

/** The rules PropsValidator checks props with; it collects what they find (validation.ts). */
export abstract class FormatRules {
  /** The construct whose props are checked. */
  protected abstract readonly scope: IConstruct;

  /** Records a problem: `<prop> is '<value>': expected <expected>`. Returns false for chaining. */
  public abstract fail(prop: string, value: unknown, expected: string): false;

  /** Keeps a prefix given as a token, to be checked like a literal one once resolved at synth. */
  protected abstract checkPrefixAtSynth(prop: string, value: string): void;

  public accountId(prop: string, value: string): boolean {
    if (Token.isUnresolved(value) || ACCOUNT_ID.test(value)) {
      return true;
    }
    return this.fail(prop, value, 'an AWS account id of exactly 12 digits');
  }

  /**
   * A key prefix names a folder: it must end with '/', so that 'data/' never also matches
   * 'data-archive/'. It may not start with '/', contain the policy wildcards '*' or '?', or a
   * policy variable '${'.
   */
  public prefix(prop: string, value: string | undefined): boolean {
    if (value === undefined) {
      return true;
    }
    if (Token.isUnresolved(value)) {
      this.checkPrefixAtSynth(prop, value);
      return true;
    }
    if (value === '') {
      return this.fail(prop, value, "a key prefix such as 'data/'; omit the property to share the whole bucket");
    }
    if (value.startsWith('/')) {
      return this.fail(prop, value, "a key prefix without a leading '/' (S3 keys do not start with '/'), such as 'data/'");
    }
    if (/[*?]/.test(value)) {
      return this.fail(prop, value, "a literal key prefix without the policy wildcards '*' or '?'; the grant already covers every key under the prefix");
    }
    if (value.includes('${')) {
      return this.fail(prop, value, "a literal key prefix without '${', which IAM reads as a policy variable");
    }
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      return this.fail(prop, value, 'a key prefix without control characters');
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_PREFIX_BYTES) {
      return this.fail(prop, value, `a key prefix of at most ${MAX_PREFIX_BYTES} bytes (the S3 key length limit)`);
    }
    if (!value.endsWith('/')) {
      return this.fail(prop, value,
        `a key prefix ending in '/', such as '${value}/': without it the grant would also cover every key that merely starts with '${value}' (for example '${value}-archive/')`);
    }
    return true;
  }

  /**
   * A list whose items synth can count: not a list token (a `CommaDelimitedList` parameter's
   * `valueAsList`, `Fn.split` of a value known only at deployment, an imported list). Each item
   * is written on its own (a `*` appended, merged with the items of other grants, recorded for
   * `review`), which a list token, one opaque value until deployment, does not allow; aws-cdk-lib
   * would otherwise fail at synth with an error of its internals that names no prop. An item may
   * still be a token of its own. Returns false for a list token.
   */
  public listKnownAtSynth(prop: string, values: string[] | undefined, items: string): boolean {
    if (values === undefined || !Token.isUnresolved(values)) {
      return true;
    }
    return this.fail(prop, JSON.stringify(Stack.of(this.scope).resolve(values)),
      `a list of ${items} written item by item, not a list token (a CommaDelimitedList parameter's valueAsList, Fn.split, ` +
      'Fn.importListValue): its length and items are known only at deployment, and each item is written on its own. Way out: ' +
      'list the items, each of which may be a token of its own (one String parameter per item, or ' +
      '[Fn.select(0, list), Fn.select(1, list)] for a list of known length)');
  }

  /** IAM role or user ARNs, each of `accountId`. */
  public principalArns(prop: string, values: string[] | undefined, accountId: string): boolean {
    if (!this.listKnownAtSynth(prop, values, 'IAM role or user ARNs')) {
      return false;
    }
    if (values === undefined) {
      return true;
    }
    if (values.length === 0) {
      return this.fail(prop, '[]', 'at least one IAM role or user ARN; omit the property to let the account decide which of its principals get access');
    }
    let valid = true;
    values.forEach((value, index) => {
      const itemProp = `${prop}[${index}]`;
      if (Token.isUnresolved(value)) {
        return;
      }
      const match = PRINCIPAL_ARN.exec(value);
      if (!match) {
        valid = this.fail(itemProp, value,
          `an IAM role or user ARN such as 'arn:aws:iam::${ACCOUNT_ID.test(accountId) ? accountId : '111122223333'}:role/Reader' (no wildcards, no assumed-role session ARNs)`);
      } else if (ACCOUNT_ID.test(accountId) && match[1] !== accountId) {
        valid = this.fail(itemProp, value, `a principal of account ${accountId}, not of account ${match[1]}`);
      }
    });
    return valid;
  }

  /** One of the AccessLevel values (JavaScript callers can pass anything). */
  public accessLevel(prop: string, value: AccessLevel | undefined): boolean {
    if (value === undefined || Object.values(AccessLevel).includes(value)) {
      return true;
    }
    return this.fail(prop, value, `one of ${Object.values(AccessLevel).join(', ')}`);
  }

  /** One of the SharingMode values (JavaScript callers can pass anything). */
  public sharingMode(prop: string, value: SharingMode | undefined): boolean {
    if (value === undefined || Object.values(SharingMode).includes(value)) {
      return true;
    }
    return this.fail(prop, value, `one of ${Object.values(SharingMode).map(mode => `SharingMode.${mode}`).join(', ')}`);
  }

  public accessPointName(prop: string, value: string): boolean {
    if (Token.isUnresolved(value)) {
      return true;
    }
    if (!ACCESS_POINT_NAME.test(value) || value.endsWith('-s3alias')) {
      return this.fail(prop, value,
        "an S3 access point name: 3 to 50 lowercase letters, digits and hyphens, starting and ending with a letter or digit, not ending in '-s3alias'");
    }
    return true;
  }

  /**
   * An S3 access point ARN of `accountId`. An alias is refused with the reason: IAM policies
   * name access points by ARN only (S3 authorizes a request made with the alias against the ARN).
   */
  public accessPointArn(prop: string, value: string | undefined, accountId: string, source: string = 'SharedBucket accessPointArns'): boolean {
    if (value === undefined || Token.isUnresolved(value)) {
      return true;
    }
    const match = ACCESS_POINT_ARN.exec(value);
    if (!match) {
      const alias = value.endsWith('-s3alias');
      return this.fail(prop, value,
        `an access point ARN 'arn:aws:s3:<region>:<owner account>:accesspoint/<name>' (${source})` +
        (alias ? ', not its alias: IAM policies name access points only by ARN. Clients may still use the alias as the bucket name' : ''));
    }
    if (ACCOUNT_ID.test(accountId) && match[2] !== accountId) {
      return this.fail(prop, value, `an access point of the bucket owner's account ${accountId}, not of account ${match[2]}`);
    }
    return true;
  }

  public externalId(prop: string, value: string): boolean {
    if (Token.isUnresolved(value) || EXTERNAL_ID.test(value)) {
      return true;
    }
    return this.fail(prop, value, 'an external id of 2 to 1,224 characters from letters, digits and +=,.@:/-_');
  }

  public organizationId(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value) || ORGANIZATION_ID.test(value)) {
      return true;
    }
    return this.fail(prop, value, "an AWS Organizations id such as 'o-a1b2c3d4e5' ('o-' and 10 to 32 lowercase letters or digits)");
  }

  /**
   * Paths of organizational units as `aws:PrincipalOrgPaths` reports them: the organization id,
   * the root id, then OU ids, each followed by '/' (IAM User Guide, "aws:PrincipalOrgPaths"; id
   * patterns from the AWS Organizations API reference: Root, OrganizationalUnit). Each starts with
   * `organizationId`, where that is a valid id.
   */
  public organizationalUnitPaths(prop: string, values: string[] | undefined, organizationId: string | undefined): boolean {
    if (!this.listKnownAtSynth(prop, values, 'organizational unit paths')) {
      return false;
    }
    if (values === undefined) {
      return true;
    }
    if (values.length === 0) {
      return this.fail(prop, '[]', 'at least one organizational unit path; omit the property to grant every account of the organization');
    }
    let valid = true;
    values.forEach((value, index) => {
      if (Token.isUnresolved(value)) {
        return;
      }
      const itemProp = `${prop}[${index}]`;
      const match = ORGANIZATIONAL_UNIT_PATH.exec(value);
      if (!match) {
        valid = this.fail(itemProp, value,
          "an organizational unit path '<organization id>/<root id>/<OU id>/.../' such as 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/' " +
          "(ids as AWS Organizations gives them, each followed by '/'; no wildcards: the grant covers the OUs below it already)");
      } else if (organizationId !== undefined && !Token.isUnresolved(organizationId) && match[1] !== organizationId) {
        valid = this.fail(itemProp, value, `a path in the grant's own organization ${organizationId}, not in ${match[1]}`);
      }
    });
    return valid;
  }

  public bucketName(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value)) {
      return true;
    }
    const reserved = RESERVED_BUCKET_PREFIXES.find(prefix => value.startsWith(prefix))
      ?? RESERVED_BUCKET_SUFFIXES.find(suffix => value.endsWith(suffix));
    if (!BUCKET_NAME.test(value) || value.includes('..') || IP_ADDRESS.test(value) || reserved !== undefined) {
      return this.fail(prop, value,
        'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, ' +
        `no '..', not an IP address${reserved !== undefined ? `, not using the reserved '${reserved}'` : ''}`);
    }
    return true;
  }

  /** A KMS key ARN. An alias ARN is refused: aliases do not resolve across accounts. */
  public keyArn(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value) || KEY_ARN.test(value)) {
      return true;
    }
    if (KEY_ALIAS_ARN.test(value) || value.startsWith('alias/')) {
      return this.fail(prop, value,
        "the key ARN 'arn:aws:kms:<region>:<account>:key/<key-id>', not an alias: aliases do not resolve across accounts " +
        '(copy the EncryptionKeyArn output of the owner stack)');
    }
    return this.fail(prop, value, "a KMS key ARN 'arn:aws:kms:<region>:<account>:key/<key-id>'");
  }

  /** An IAM role ARN, of `accountId` when that is known. */
  public roleArn(prop: string, value: string | undefined, accountId: string): boolean {
    if (value === undefined || Token.isUnresolved(value)) {
      return true;
    }
    const match = ROLE_ARN.exec(value);
    if (!match) {
      return this.fail(prop, value, "an IAM role ARN such as 'arn:aws:iam::111122223333:role/SharedBucketAccess'");
    }
    if (ACCOUNT_ID.test(accountId) && match[1] !== accountId) {
      return this.fail(prop, value, `a role of account ${accountId}, not of account ${match[1]}`);
    }
    return true;
  }

  /**
   * ARNs of the stack's own partition, where that is known: a principal or resource of another
   * partition ('arn:aws-cn:' in an 'aws' stack) can never match, since no access crosses
   * partitions.
   */
  public samePartition(prop: string, values: string | string[] | undefined): boolean {
    const partition = knownPartition(this.scope);
    if (values === undefined || partition === undefined || Token.isUnresolved(values)) {
      return true;
    }
    let valid = true;
    const many = Array.isArray(values);
    (many ? values : [values]).forEach((value, index) => {
      const arnPartition = Token.isUnresolved(value) ? undefined : /^arn:([^:]+):/.exec(value)?.[1];
      if (arnPartition !== undefined && arnPartition !== partition) {
        valid = this.fail(many ? `${prop}[${index}]` : prop, value,
          `an ARN of partition '${partition}', this stack's (region ${Stack.of(this.scope).region}): an ARN of partition '${arnPartition}' can never match, no access crosses partitions`);
      }
    });
    return valid;
  }

  public roleName(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value)) {
      return true;
    }
    if (value.length > 64 || !IAM_NAME_CHARACTERS.test(value)) {
      return this.fail(prop, value, 'an IAM role name of 1 to 64 letters, digits and +=,.@-_');
    }
    return true;
  }

  public region(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value) || REGION.test(value)) {
      return true;
    }
    return this.fail(prop, value, "an AWS region such as 'eu-west-1'");
  }

  public minimumTlsVersion(prop: string, value: number | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value) || TLS_VERSIONS.includes(value)) {
      return true;
    }
    return this.fail(prop, value, `one of ${TLS_VERSIONS.map(version => version.toFixed(1)).join(', ')}`);
  }

  public sessionDuration(prop: string, value: Duration | undefined): boolean {
    if (value === undefined || value.isUnresolved()) {
      return true;
    }
    const seconds = value.toSeconds({ integral: false });
    if (seconds < 3600 || seconds > 43200) {
      return this.fail(prop, value.toHumanString(), 'a duration from 1 hour to 12 hours (the limits of IAM MaxSessionDuration)');
    }
    return true;
  }
}
