import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** An existing VPC for the jobs, described without a lookup (so synthesis needs no credentials). */
export interface ExistingVpcProps {
  /** The VPC's id (`vpc-...`). */
  readonly vpcId: string;
  /** Availability zones of `subnetIds`, one per subnet, in the same order. */
  readonly availabilityZones: readonly string[];
  /** Subnets for the jobs; they need a route to S3, ECR and CloudWatch Logs (NAT or VPC endpoints). */
  readonly subnetIds: readonly string[];
  /** Whether the subnets are public, so that jobs need public IPs to reach AWS APIs. @default false */
  readonly publicSubnets?: boolean;
}

export interface NetworkProps {
  /**
   * Use this VPC instead of creating one.
   * @default - a VPC is created
   */
  readonly existing?: ExistingVpcProps;
  /**
   * Availability zones of a created VPC. Zones are never named: they come from the stack (for a
   * stack without a region, `Fn::GetAZs`, which allows at most 2).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * NAT gateways of a created VPC. 0 puts the jobs in public subnets with public IPs (no inbound
   * rule allows anything in); more puts them in private subnets behind NAT.
   * @default 0
   */
  readonly natGateways?: number;
  /** Retention of the VPC flow log (rejected traffic) of a created VPC. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Where the Batch jobs run: a VPC created by the stack (with a free S3 gateway endpoint so tile
 * traffic skips NAT, and a flow log of rejected traffic) or an existing one from props.
 */
export class Network extends Construct {
  public readonly vpc: ec2.IVpc;
  /** The subnets for the jobs. */
  public readonly subnets: ec2.SubnetSelection;
  /** Whether jobs need a public IP (public subnets without NAT). */
  public readonly assignPublicIp: boolean;
  /** The jobs' security group: outbound only. */
  public readonly securityGroup: ec2.SecurityGroup;

  public constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    if (props.existing !== undefined) {
      const existing = props.existing;
      const publicSubnets = existing.publicSubnets ?? false;
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: existing.vpcId,
        availabilityZones: [...existing.availabilityZones],
        ...(publicSubnets
          ? { publicSubnetIds: [...existing.subnetIds] }
          : { privateSubnetIds: [...existing.subnetIds] }),
      });
      this.subnets = { subnetType: publicSubnets ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.assignPublicIp = publicSubnets;
      Validations.of(this).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'The stack only places jobs in these subnets; it never reads or changes their route tables.',
      });
    } else {
      const natGateways = props.natGateways ?? 0;
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: props.maxAzs ?? 2,
        natGateways,
        subnetConfiguration:
          natGateways === 0
            ? [{ name: 'jobs', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }]
            : [
                { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
                { name: 'jobs', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
              ],
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      });
      const flowLogGroup = new logs.LogGroup(this, 'FlowLog', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog('RejectedTraffic', {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      });
      this.vpc = vpc;
      this.subnets = { subnetType: natGateways === 0 ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.assignPublicIp = natGateways === 0;
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'JobsSecurityGroup', {
      vpc: this.vpc,
      description: 'iiif-batch jobs: outbound HTTPS to AWS APIs only, nothing inbound',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and CloudWatch Logs');
  }
}
