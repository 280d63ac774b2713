/**
 * The policy of an event bus, as a template writes it: an AWS::Events::EventBusPolicy (one
 * statement, in `Statement` or in the older `Action`, `Principal` and `Condition` properties) or
 * the `Policy` of an AWS::Events::EventBus, with the ARN of the bus it governs
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-eventbuspolicy.html,
 * aws-resource-events-eventbus.html). Several statements of one bus make one policy: the analyzer
 * keys them by the bus's ARN.
 */
import { Resolver } from './intrinsics';
import { Symbolic, joinText } from './pattern';
import { LoadedStack } from './template-files';

/** The bus's ARN and its policy document (intrinsics unresolved), or undefined when the resource writes no policy. */
export function eventBusPolicy(
  type: string, logicalId: string, properties: Record<string, any>, stack: LoadedStack, resolver: Resolver,
): { readonly busArn: Symbolic; readonly document: unknown } | undefined {
  const partition = stack.environment.partition;
  const pseudo = (name: string) => resolver.symbolic({ Ref: name }, name);
  const arn = (name: Symbolic) => joinText([`arn:${partition}:events:`, ...pseudo('AWS::Region'), ':', ...pseudo('AWS::AccountId'), ':event-bus/', ...name]);
  if (type === 'AWS::Events::EventBus') {
    if (properties.Policy === undefined) return undefined;
    return { busArn: arn(resolver.symbolic({ Ref: logicalId }, `${logicalId}.Name`)), document: properties.Policy };
  }
  // EventBusName: the name of the bus in this account and region, the default bus when left out.
  const busArn = arn(properties.EventBusName === undefined ? ['default'] : resolver.symbolic(properties.EventBusName, `${logicalId}.EventBusName`));
  const statement = properties.Statement ?? legacyStatement(properties, partition);
  const statements = (Array.isArray(statement) ? statement : [statement]).map(item => ({ Sid: properties.StatementId, ...item }));
  return { busArn, document: { Version: '2012-10-17', Statement: statements } };
}

/**
 * The older form: `Principal` an account id or `*`, `Action` events:PutEvents, `Condition` one
 * StringEquals test `{ Type, Key, Value }` (of aws:PrincipalOrgID), allowing on the bus itself.
 */
function legacyStatement(properties: Record<string, any>, partition: string): object {
  const principal = properties.Principal;
  const condition = properties.Condition;
  return {
    Effect: 'Allow',
    Principal: { AWS: principal === '*' ? '*' : { 'Fn::Join': ['', [`arn:${partition}:iam::`, principal, ':root']] } },
    Action: properties.Action,
    ...(condition === undefined ? {} : { Condition: { [condition.Type]: { [condition.Key]: condition.Value } } }),
  };
}
