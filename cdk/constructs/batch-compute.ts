import { Duration, IgnoreMode, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENTRY_POINTS, JOB_ENV } from '../../src/config.js';
import { RETRY_CONDITIONS } from '../../src/submitter/batch-launcher.js';
import { acknowledgeWildcards } from '../nag-findings.js';
import type { Architecture, ComputeType } from '../settings.js';

/** Size and timeout of one job definition. */
export interface JobSpec {
  /** vCPUs per job (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16). */
  readonly vcpus: number;
  /** Memory per job in MiB (Fargate: a size allowed for `vcpus`). */
  readonly memoryMiB: number;
  /** Attempt timeout (the submitter may set its own per job). */
  readonly timeout: Duration;
  /** Environment of this job only, on top of `BatchComputeProps.environment`. @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface BatchComputeProps {
  /** The repository root: the Docker build context, holding `Dockerfile` and `.dockerignore`. */
  readonly projectRoot: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The jobs' security group (outbound only). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Whether Fargate jobs need a public IP (public subnets without NAT). @default false */
  readonly assignPublicIp?: boolean;
  /** Capacity: Fargate Spot, Fargate, EC2 Spot or EC2 On-Demand. @default "FARGATE_SPOT" */
  readonly computeType?: ComputeType;
  /** Most vCPUs in use at once. @default 256 */
  readonly maxvCpus?: number;
  /** CPU architecture of the image and the hosts. @default "x86_64" */
  readonly architecture?: Architecture;
  /**
   * EC2 only: instance types (`c6i.2xlarge`) or families (`c6i`).
   * @default - x86_64: Batch's `optimal`; arm64: c7g, m7g and r7g
   */
  readonly instanceTypes?: readonly string[];
  /**
   * Local disk for masters and tiles before upload. Fargate: per shard worker (21–200 GiB; the
   * assembler keeps Fargate's free 20 GiB); EC2: the root volume of each instance, shared by the
   * jobs on it.
   * @default 50 GiB on Fargate, 200 GiB on EC2
   */
  readonly ephemeralStorage?: Size;
  /** Shard worker size and timeout. @default 2 vCPU, 4096 MiB, 4 hours */
  readonly worker?: JobSpec;
  /** Manifest assembler size and timeout. @default 1 vCPU, 2048 MiB, 1 hour */
  readonly assembler?: JobSpec;
  /** Attempts per job including the first (1–10). @default 3 */
  readonly attempts?: number;
  /** Environment of both jobs (the submitter adds the run's own variables). @default LOG_FORMAT=json only */
  readonly environment?: Readonly<Record<string, string>>;
  /** Retention of the jobs' log group. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

const DEFAULT_WORKER: JobSpec = { vcpus: 2, memoryMiB: 4096, timeout: Duration.hours(4) };
const DEFAULT_ASSEMBLER: JobSpec = { vcpus: 1, memoryMiB: 2048, timeout: Duration.hours(1) };

/**
 * AWS Batch for the pipeline: one compute environment, one job queue, and the shard-worker and
 * manifest-assembler job definitions, both running the one container image built from the
 * repository's Dockerfile, with the retry strategy the submitter uses, a timeout, and a job role
 * that the stack grants bucket access to.
 */
export class BatchCompute extends Construct {
  public readonly computeEnvironment: batch.IComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  public readonly workerJobDefinition: batch.EcsJobDefinition;
  public readonly assemblerJobDefinition: batch.EcsJobDefinition;
  /** The role both jobs run as: grant it bucket access. */
  public readonly jobRole: iam.Role;
  public readonly executionRole: iam.Role;
  public readonly image: ecrAssets.DockerImageAsset;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: BatchComputeProps) {
    super(scope, id);
    const computeType = props.computeType ?? 'FARGATE_SPOT';
    const fargate = computeType === 'FARGATE_SPOT' || computeType === 'FARGATE';
    const architecture = props.architecture ?? 'x86_64';
    const ephemeralStorage = props.ephemeralStorage ?? Size.gibibytes(fargate ? 50 : 200);

    // One image for both entry points, built for the hosts' architecture (also on an arm64 laptop).
    this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: props.projectRoot,
      file: 'Dockerfile',
      platform: architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      // Honour .dockerignore exactly as `docker build` would (node_modules, dist, tests stay out).
      ignoreMode: IgnoreMode.DOCKER,
      displayName: 'iiif-batch jobs image',
    });
    const image = ecs.ContainerImage.fromDockerImageAsset(this.image);

    this.logGroup = new logs.LogGroup(this, 'JobLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'job' });

    // Pulls the image and writes logs; the grants come from the image and the log driver.
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'iiif-batch jobs: pull the image, write logs',
    });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'iiif-batch jobs: read sources, write the destination and run records',
    });

    this.computeEnvironment = fargate
      ? new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
          vpc: props.vpc,
          vpcSubnets: props.subnets,
          securityGroups: [props.securityGroup],
          spot: computeType === 'FARGATE_SPOT',
          maxvCpus: props.maxvCpus ?? 256,
        })
      : this.ec2ComputeEnvironment(props, computeType === 'EC2_SPOT', architecture, ephemeralStorage);

    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
      priority: 1,
      // A job that can never be placed is cancelled instead of waiting in RUNNABLE forever.
      jobStateTimeLimitActions: [
        {
          maxTime: Duration.minutes(30),
          reason: batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
          action: batch.JobStateTimeLimitActionsAction.CANCEL,
        },
        {
          maxTime: Duration.minutes(30),
          reason: batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
          action: batch.JobStateTimeLimitActionsAction.CANCEL,
        },
      ],
    });

    const container = (
      name: string,
      entryPoint: string,
      sizing: JobSpec,
      diskForTiles: boolean,
    ): batch.IEcsContainerDefinition => {
      const common = {
        image,
        command: ['node', entryPoint],
        cpu: sizing.vcpus,
        memory: Size.mebibytes(sizing.memoryMiB),
        environment: { LOG_FORMAT: 'json', ...props.environment, ...sizing.environment },
        executionRole: this.executionRole,
        jobRole: this.jobRole,
        logging,
      };
      return fargate
        ? new batch.EcsFargateContainerDefinition(this, `${name}Container`, {
            ...common,
            assignPublicIp: props.assignPublicIp ?? false,
            ...(diskForTiles ? { ephemeralStorageSize: ephemeralStorage } : {}),
            fargatePlatformVersion: ecs.FargatePlatformVersion.LATEST,
            fargateCpuArchitecture: architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
            fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          })
        : new batch.EcsEc2ContainerDefinition(this, `${name}Container`, common);
    };
    const jobDefinition = (
      name: string,
      entryPoint: string,
      sizing: JobSpec,
      diskForTiles: boolean,
    ): batch.EcsJobDefinition =>
      new batch.EcsJobDefinition(this, `${name}Job`, {
        container: container(name, entryPoint, sizing, diskForTiles),
        timeout: sizing.timeout,
        retryAttempts: props.attempts ?? 3,
        retryStrategies: jobRetryStrategies(),
        propagateTags: true,
      });
    this.workerJobDefinition = jobDefinition(
      'ShardWorker',
      ENTRY_POINTS.shardWorker,
      props.worker ?? DEFAULT_WORKER,
      true,
    );
    this.assemblerJobDefinition = jobDefinition(
      'Assembler',
      ENTRY_POINTS.assembler,
      props.assembler ?? DEFAULT_ASSEMBLER,
      false,
    );

    acknowledgeWildcards(
      this.executionRole,
      ['Resource::*'],
      'ecr:GetAuthorizationToken has no resource-level permissions; the grant comes from the image asset ' +
        '(pulls themselves are scoped to the asset repository).',
    );
  }

  /** Environment variables naming the state location, for jobs submitted by hand. */
  public static stateEnvironment(stateBucket: string, statePrefix: string): Record<string, string> {
    return {
      [JOB_ENV.stateBucket]: stateBucket,
      ...(statePrefix === '' ? {} : { [JOB_ENV.statePrefix]: statePrefix }),
    };
  }

  private ec2ComputeEnvironment(
    props: BatchComputeProps,
    spot: boolean,
    architecture: Architecture,
    rootVolume: Size,
  ): batch.ManagedEc2EcsComputeEnvironment {
    // The root volume of the ECS-optimised AMI holds the containers' writable layers: the masters
    // and tiles of every job on the host.
    const launchTemplate = new ec2.LaunchTemplate(this, 'HostLaunchTemplate', {
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(rootVolume.toGibibytes(), {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
      requireImdsv2: true,
    });
    const requested = props.instanceTypes ?? [];
    const defaults = architecture === 'arm64' ? ['c7g', 'm7g', 'r7g'] : [];
    const choices = requested.length > 0 ? requested : defaults;
    const environment = new batch.ManagedEc2EcsComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      spot,
      maxvCpus: props.maxvCpus ?? 256,
      minvCpus: 0,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023 }],
      launchTemplate,
      instanceTypes: choices.filter((name) => name.includes('.')).map((name) => new ec2.InstanceType(name)),
      instanceClasses: choices.filter((name) => !name.includes('.')).map((name) => name as ec2.InstanceClass),
      // Batch's `optimal` families are x86_64 only.
      useOptimalInstanceClasses: choices.length === 0,
      allocationStrategy: spot
        ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
        : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
    });
    Validations.of(environment).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      reason:
        'The ECS container instance role needs AmazonEC2ContainerServiceforEC2Role to register with ECS; ' +
        'the jobs themselves run with the scoped job role.',
    });
    return environment;
  }
}

/**
 * The submitter's retry conditions (`RETRY_CONDITIONS`, used in every SubmitJob) as the job
 * definitions' default, so a job submitted by hand retries the same way: Spot reclaims and host
 * terminations retry; exit 2 (invalid input) and 3 (undecodable images) do not.
 */
export function jobRetryStrategies(): batch.RetryStrategy[] {
  return RETRY_CONDITIONS.map((condition) => {
    const reason: batch.CustomReason = {
      ...(condition.onExitCode === undefined ? {} : { onExitCode: condition.onExitCode }),
      ...(condition.onReason === undefined ? {} : { onReason: condition.onReason }),
      ...(condition.onStatusReason === undefined ? {} : { onStatusReason: condition.onStatusReason }),
    };
    const action = condition.action?.toUpperCase() === 'EXIT' ? batch.Action.EXIT : batch.Action.RETRY;
    return batch.RetryStrategy.of(action, batch.Reason.custom(reason));
  });
}
