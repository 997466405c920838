/**
 * Step worker Lambda (SQS FIFO event source): one harness session per record. Deploys the sample `report` harness;
 * copy this file to deploy your own harnesses (see README "Write your own harness").
 */
import { createModelPort } from '../lib/models-providers/select.js';
import { DemoModelPort } from '../lib/harness/samples/demo-model.js';
import { MemoryOutbox } from '../lib/harness/samples/outbox.js';
import { reportHarness } from '../lib/harness/samples/report-harness.js';
import { createLambdaWorker } from '../lib/runtime/lambda-worker.js';

export const handler = createLambdaWorker({
  harnesses: [reportHarness({ outbox: new MemoryOutbox() })],
  modelPort: async (spec) => {
    const { BedrockRuntimeClient } = await import('@aws-sdk/client-bedrock-runtime');
    return createModelPort(spec, {
      mock: () => new DemoModelPort(),
      bedrock: () => ({ client: new BedrockRuntimeClient({ maxAttempts: 1 }) }),
    });
  },
});
