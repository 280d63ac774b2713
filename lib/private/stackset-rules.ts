/**
 * The rules of OrganizationConsumers' props: the StackSet's targets and settings, and the values
 * its member template is built from (written as they are into a template that deploys in other
 * accounts).
 */
import { Stack, Token } from 'aws-cdk-lib';
import { FormatRules } from './format-rules';

/** The StackSet rules, beside the format rules, of PropsValidator (validation.ts). */
export abstract class StackSetRules extends FormatRules {
  /**
   * StackSet targets: organizational unit ids or the organization's root id, in the patterns of the
   * AWS Organizations API reference (OrganizationalUnit Id: 'ou-', 4 to 32 lowercase letters or
   * digits, '-', 8 to 32 more; Parent Id of a root: 'r-', 4 to 32). At least one, each once.
   */
  public organizationalUnitIds(prop: string, values: string[]): boolean {
    if (Token.isUnresolved(values)) {
      return true;
    }
    if (values.length === 0) {
      return this.fail(prop, '[]', "at least one organizational unit id ('ou-...') or the organization's root id ('r-...')");
    }
    let valid = true;
    values.forEach((value, index) => {
      const itemProp = `${prop}[${index}]`;
      if (Token.isUnresolved(value)) {
        return;
      }
      if (!/^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/.test(value)) {
        valid = this.fail(itemProp, value,
          "an organizational unit id such as 'ou-ab12-cd34ef56' ('ou-', 4 to 32 lowercase letters or digits, '-', 8 to 32 more) " +
          "or the organization's root id such as 'r-ab12' ('r-', 4 to 32 lowercase letters or digits)");
      } else if (values.indexOf(value) < index) {
        valid = this.fail(itemProp, value, `each id once: it is already ${prop}[${values.indexOf(value)}]`);
      }
    });
    return valid;
  }

  /**
   * A StackSet name: letters, digits and hyphens, starting with a letter, at most 128 characters
   * (CloudFormation CreateStackSet, StackSetName).
   */
  public stackSetName(prop: string, value: string | undefined): boolean {
    if (value === undefined || Token.isUnresolved(value) || /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)) {
      return true;
    }
    return this.fail(prop, value, 'a StackSet name of 1 to 128 letters, digits and hyphens, starting with a letter');
  }

  /** A whole percentage from `minimum` to 100. */
  public percentage(prop: string, value: number | undefined, minimum: number): boolean {
    if (value === undefined || Token.isUnresolved(value) || (Number.isInteger(value) && value >= minimum && value <= 100)) {
      return true;
    }
    return this.fail(prop, value, `a whole percentage from ${minimum} to 100`);
  }

  /** One of the values of the string enum `values`, named `enumName` (JavaScript callers can pass anything). */
  public enumValue(prop: string, value: string | undefined, values: Record<string, string>, enumName: string): boolean {
    if (value === undefined || Object.values(values).includes(value)) {
      return true;
    }
    return this.fail(prop, value, `one of ${Object.keys(values).map(key => `${enumName}.${key}`).join(', ')}`);
  }

  /**
   * A value written as it is into a template that deploys somewhere else (a StackSet's member
   * template, in every account of the organizational units). A token that resolves to a plain
   * string is fine; one that resolves to a reference to a resource, a parameter or a pseudo
   * parameter of this app is not: there it would mean nothing, or something else. Returns the
   * plain string (undefined for undefined, or a problem).
   */
  public knownAtSynth(prop: string, value: string | undefined, where: string): string | undefined {
    if (value === undefined || !Token.isUnresolved(value)) {
      return value;
    }
    const resolved: unknown = Stack.of(this.scope).resolve(value);
    if (typeof resolved === 'string') {
      return resolved;
    }
    this.fail(prop, JSON.stringify(resolved),
      `a value known at synth: it is written into ${where}, where a reference to this app's resources, parameters or ` +
      'pseudo parameters means nothing, or something else');
    return undefined;
  }
}
