// The local CloudFormation DescribeStacks (local/aws/cloudFormation.ts) must list the Outputs that `sls package`
// really writes - what `sls invoke stepf` and users' scripts read - so the packaged template is the reference here.
import { beforeAll, describe, expect, it } from 'vitest';
import { localStackOutputs } from '../../local/aws/cloudFormation.ts';
import { CloudFormationResolver } from '../../local/stack/cloudFormation.ts';
import { loadServerlessConfig, type ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { packaged, STAGE, type Packaged } from './packaged.ts';

/** Nothing is uploaded locally: there is no deployment bucket to name. */
const NOT_LOCAL = new Set(['ServerlessDeploymentBucketName']);

describe('the local stack outputs', () => {
  let pkg: Packaged;
  let config: ServerlessConfig;
  beforeAll(async () => {
    [pkg, config] = await Promise.all([packaged(), loadServerlessConfig({ stage: STAGE })]);
  });

  it('has every output key of the packaged template (but the deployment bucket), and no other', () => {
    const local = localStackOutputs(config, new CloudFormationResolver(config), 'http://127.0.0.1:3000');
    const packagedKeys = Object.keys(pkg.template.Outputs ?? {}).filter((key) => !NOT_LOCAL.has(key));
    expect(local.map((output) => output.OutputKey).sort()).toEqual(packagedKeys.sort());
  });

  it('exports under the packaged export names', () => {
    const local = localStackOutputs(config, new CloudFormationResolver(config), 'http://127.0.0.1:3000');
    const outputs = (pkg.template.Outputs ?? {}) as Record<string, { Export?: { Name?: unknown } }>;
    for (const output of local) {
      const exported = outputs[output.OutputKey]?.Export?.Name;
      if (typeof exported === 'string') expect({ key: output.OutputKey, name: output.ExportName }).toEqual({ key: output.OutputKey, name: exported });
      else expect({ key: output.OutputKey, name: output.ExportName }).toEqual({ key: output.OutputKey, name: undefined });
    }
  });
});
