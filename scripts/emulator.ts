/** `npm run emulator`: the local AWS emulator on its own, with the demo pipelines running. */
import { startEmulator } from "../lib/emulator/index";

const emulator = await startEmulator();
const { url, region } = emulator;
console.log(`
Stepwise AWS emulator listening on ${url}  (Step Functions, SageMaker, CloudWatch metrics; region ${region})

Point the AWS CLI / SDK at it (any credentials work):
  export AWS_ENDPOINT_URL=${url} AWS_REGION=${region} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  aws stepfunctions list-state-machines
  aws sagemaker list-training-jobs --max-results 5

From Node:
  new SFNClient({ endpoint: "${url}", region: "${region}", credentials: { accessKeyId: "test", secretAccessKey: "test" } })

Admin: GET ${url}/__admin/stats · POST ${url}/__admin/faults · POST ${url}/__admin/runs · POST ${url}/__admin/reset
`);

const shutdown = async () => {
  await emulator.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
