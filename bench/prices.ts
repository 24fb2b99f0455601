// Every AWS price the cost section uses, in one place: us-east-1, on-demand, first pricing tier, before free tiers
// (at a million orders a month the free tiers are a rounding error, and they are per account, not per order).
// Each has its value per single unit, where it came from and the day it was checked. The official pricing pages
// render their tables with scripts, so where the figure itself could only be read on a copy or an AWS-authored
// secondary page, `source` names that page and `rules` the official page for how the unit is counted.

export interface Price {
  /** USD per one `unit`. */
  usd: number;
  unit: string;
  /** How it is usually quoted, for the tables. */
  quoted: string;
  /** Where the figure was read. */
  source: string;
  /** The official page for what is counted and how it is rounded, when that is another page. */
  rules?: string;
  /** The day the figure was checked against `source` (ISO date). */
  checked: string;
  note?: string;
}

const CHECKED = '2026-12-01';

export const PRICES = {
  stateTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition (Standard)',
    quoted: '$0.025 per 1,000 state transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    checked: CHECKED,
    note: '"Step Functions counts a state transition each time a step of your workflow is executed ... including retries"; "each retry will be charged as an additional state transition". 4,000 free per month.',
  },
  expressRequest: {
    usd: 1.0 / 1_000_000,
    unit: 'Express execution (request)',
    quoted: '$1.00 per million requests',
    source: 'https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/',
    rules: 'https://aws.amazon.com/step-functions/pricing/',
    checked: CHECKED,
    note: 'AWS Compute Blog: "a lower cost of $1.00 per million invocations versus $25 per million for Standard Workflows".',
  },
  expressGbSecond: {
    usd: 0.00001667,
    unit: 'Express GB-second',
    quoted: '$0.00001667 per GB-second (first 1,000 GB-hours a month)',
    source: 'https://github.com/aws-samples/the-aws-step-functions-workshop (content/module-13/step-5/index.en.md)',
    rules: 'https://aws.amazon.com/step-functions/pricing/',
    checked: CHECKED,
    note: 'The AWS workshop prices 100 ms at 64 MB at $0.0000001042, i.e. $0.00001667 per GB-second; duration is "rounded up to the nearest 100ms" and memory "billed in 64-MB chunks" (pricing page).',
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    unit: 'Lambda request',
    quoted: '$0.20 per million requests',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    rules: 'https://aws.amazon.com/lambda/pricing/',
    checked: CHECKED,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'Lambda GB-second (arm64)',
    quoted: '$0.0000133334 per GB-second (arm64, first 7.5 billion GB-seconds a month)',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    rules: 'https://aws.amazon.com/lambda/pricing/',
    checked: CHECKED,
    note: 'Duration is "rounded up to the nearest 1 ms"; it includes the initialization code of a cold start (pricing page).',
  },
  dynamodbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    unit: 'DynamoDB write request unit (on-demand)',
    quoted: '$0.625 per million write request units',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    rules: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html',
    checked: CHECKED,
    note: 'After the 50% cut of on-demand throughput prices of November 2024 (AWS News Blog, "Amazon DynamoDB On-Demand", updated 2025-01-31).',
  },
  dynamodbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    unit: 'DynamoDB read request unit (on-demand)',
    quoted: '$0.125 per million read request units',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    rules: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html',
    checked: CHECKED,
  },
  snsPublish: {
    usd: 0.5 / 1_000_000,
    unit: 'SNS publish (standard topic, per 64 KB)',
    quoted: '$0.50 per million publishes',
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    rules: 'https://aws.amazon.com/sns/pricing/',
    checked: CHECKED,
  },
  snsEmailDelivery: {
    usd: 2.0 / 100_000,
    unit: 'SNS e-mail delivery',
    quoted: '$2.00 per 100,000 e-mail notifications',
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    rules: 'https://aws.amazon.com/sns/pricing/',
    checked: CHECKED,
    note: 'Every publish to the notifications topic is delivered to each of its subscriptions (serverless.yml: one e-mail subscription).',
  },
  restApiRequest: {
    usd: 3.5 / 1_000_000,
    unit: 'API Gateway REST API request',
    quoted: '$3.50 per million requests (first 333 million a month)',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
    rules: 'https://aws.amazon.com/api-gateway/pricing/',
    checked: CHECKED,
    note: 'AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", Table 4 (REST, us-east-1).',
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** Dollars per million of something that costs `usdEach`. */
export function perMillion(usdEach: number): number {
  return usdEach * 1_000_000;
}
