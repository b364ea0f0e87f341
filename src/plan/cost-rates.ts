/**
 * Prices the cost estimate uses, in USD: AWS list prices for us-east-1 as recorded on
 * `COST_RATES_DATE` (the README prints the same table). Prices change and Spot prices float: every
 * rate can be overridden with a flag of `iiif-batch plan` (`--rate-<name> VALUE`).
 */
export interface CostRates {
  /** S3 Standard PUT, COPY, POST, LIST requests, per 1,000. */
  readonly s3PutPer1000: number;
  /** S3 Standard GET, HEAD and other requests, per 1,000. */
  readonly s3GetPer1000: number;
  /** S3 Standard storage, per GB-month (first 50 TB). */
  readonly s3StoragePerGbMonth: number;
  /** Fargate Spot (Linux/x86), per vCPU-hour. */
  readonly fargateSpotVcpuHour: number;
  /** Fargate Spot (Linux/x86), per GB-hour of memory. */
  readonly fargateSpotGbHour: number;
  /** Lambda requests, per million. */
  readonly lambdaPerMillionRequests: number;
  /** Lambda duration (x86), per GB-second. */
  readonly lambdaGbSecond: number;
  /** CloudFront data transfer out to the internet (North America and Europe, first 10 TB), per GB. */
  readonly cloudFrontEgressPerGb: number;
}

/** The day `DEFAULT_COST_RATES` were recorded. */
export const COST_RATES_DATE = '2026-12-02';

export const DEFAULT_COST_RATES: CostRates = {
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3StoragePerGbMonth: 0.023,
  fargateSpotVcpuHour: 0.012144,
  fargateSpotGbHour: 0.0013335,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: 0.0000166667,
  cloudFrontEgressPerGb: 0.085,
};

/** The flag of each rate: `--rate-s3-put-per-1000` and so on. */
export const COST_RATE_FLAGS: Readonly<Record<keyof CostRates, string>> = {
  s3PutPer1000: 'rate-s3-put-per-1000',
  s3GetPer1000: 'rate-s3-get-per-1000',
  s3StoragePerGbMonth: 'rate-s3-storage-gb-month',
  fargateSpotVcpuHour: 'rate-fargate-spot-vcpu-hour',
  fargateSpotGbHour: 'rate-fargate-spot-gb-hour',
  lambdaPerMillionRequests: 'rate-lambda-per-million',
  lambdaGbSecond: 'rate-lambda-gb-second',
  cloudFrontEgressPerGb: 'rate-cloudfront-egress-gb',
};
