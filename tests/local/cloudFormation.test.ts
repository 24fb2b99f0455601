import { describe, expect, it } from 'vitest';
import { CloudFormationResolver, CloudFormationResolveError, lambdaLogicalId } from '../../local/stack/cloudFormation.ts';
import { printedConfig } from './fixtures.ts';

const resolver = () => new CloudFormationResolver(printedConfig());

describe('CloudFormationResolver', () => {
  it('resolves Ref of a table to its (resolved) TableName and of a topic to its local ARN', () => {
    const r = resolver();
    expect(r.resolve({ Ref: 'OrdersTable' })).toBe('shop-local-orders');
    expect(r.resolve({ Ref: 'NotificationsTopic' })).toBe('arn:aws:sns:us-east-1:000000000000:shop-local-notifications');
  });

  it('resolves GetAtt of functions, tables, the state machine and log groups', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::GetAtt': ['CreateOrderLambdaFunction', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:shop-local-createOrder',
    );
    expect(r.resolve({ 'Fn::GetAtt': 'OrdersTable.Arn' })).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/shop-local-orders');
    expect(r.resolve({ 'Fn::GetAtt': ['PipelineStateMachine', 'Name'] })).toBe('shop-local');
    expect(r.resolve({ 'Fn::GetAtt': ['PipelineLogGroup', 'Arn'] })).toBe(
      'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/shop-local:*',
    );
  });

  it('names function logical ids as Serverless does', () => {
    expect(lambdaLogicalId('createOrder')).toBe('CreateOrderLambdaFunction');
    expect(lambdaLogicalId('reserve-stock_v2')).toBe('ReserveDashstockUnderscorev2LambdaFunction');
    expect(resolver().resolve({ 'Fn::GetAtt': ['ReserveDashstockUnderscorev2LambdaFunction', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:shop-local-reserve-stock_v2',
    );
  });

  it('resolves the state machine, the REST API and pseudo parameters', () => {
    const r = resolver();
    expect(r.resolve({ Ref: 'PipelineStateMachine' })).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:shop-local');
    expect(r.resolve({ Ref: 'ApiGatewayRestApi' })).toBe(r.apiId);
    expect(r.resolve([{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }])).toEqual([
      'us-east-1',
      '000000000000',
      'aws',
    ]);
  });

  it('joins, as the workflow builds its API endpoint', () => {
    const r = resolver();
    const endpoint = r.resolve({
      'Fn::Join': ['.', [{ Ref: 'ApiGatewayRestApi' }, 'execute-api', { Ref: 'AWS::Region' }, 'amazonaws.com']],
    });
    expect(endpoint).toBe(r.apiEndpointHost);
    expect(endpoint).toBe(`${r.apiId}.execute-api.us-east-1.amazonaws.com`);
  });

  it('substitutes both Fn::Sub forms, attributes and ${!Literal}', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${PipelineStateMachine.Name}:*' })).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:shop-local:*',
    );
    expect(r.resolve({ 'Fn::Sub': ['${Table}/index/${!Keep}', { Table: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] } }] })).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/shop-local-orders/index/${Keep}',
    );
  });

  it('resolves deeply and drops AWS::NoValue', () => {
    expect(resolver().resolve({ a: [{ Ref: 'OrdersTable' }, { Ref: 'AWS::NoValue' }], b: { Ref: 'AWS::NoValue' }, c: 1 })).toEqual({
      a: ['shop-local-orders'],
      c: 1,
    });
  });

  it('fails clearly on unknown ids, unsupported resources and unsupported functions, naming where', () => {
    const r = resolver();
    expect(() => r.resolve({ Ref: 'NopeTable' }, 'States.X.Parameters.TableName')).toThrow(
      /States\.X\.Parameters\.TableName: unknown logical id "NopeTable"/,
    );
    expect(() => r.resolve({ Ref: 'SomeRole' })).toThrow(CloudFormationResolveError);
    expect(() => r.resolve({ 'Fn::GetAtt': ['OrdersTable', 'Nope'] })).toThrow(/OrdersTable\.Nope is not supported/);
    expect(() => r.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue is not supported/);
  });

  it('lists resources of a type with resolved properties', () => {
    const tables = resolver().resourcesOfType('AWS::DynamoDB::Table');
    expect(tables.map((t) => [t.logicalId, t.properties.TableName])).toEqual([
      ['OrdersTable', 'shop-local-orders'],
      ['LegacyTable', 'legacy'],
    ]);
  });
});
