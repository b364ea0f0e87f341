import type { Context } from 'aws-lambda';

/**
 * The context the Lambda runtime passes a handler, for an invocation that started now and times out
 * after `timeoutMs` (the submitter's default: 900 s).
 */
export function lambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const ends = Date.now() + timeoutMs;
  const unused = (): never => {
    throw new Error('callback-style completion is not used by async handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '2048',
    awsRequestId: `request-${ends}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()),
    done: unused,
    fail: unused,
    succeed: unused,
  };
}
