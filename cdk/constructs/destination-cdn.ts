import { Duration, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface DestinationCdnProps {
  /** The destination bucket; CloudFront reads it through origin access control. */
  readonly bucket: s3.IBucket;
  /** Origins allowed by CORS. @default ["*"] (any IIIF viewer may load the tiles and manifests) */
  readonly allowedOrigins?: readonly string[];
  /** @default cloudfront.PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: cloudfront.PriceClass;
  /** Alternate domain names; require `certificateArn`. @default [] */
  readonly domainNames?: readonly string[];
  /** ACM certificate (us-east-1) for `domainNames`. @default - the *.cloudfront.net certificate */
  readonly certificateArn?: string;
}

/**
 * A CloudFront distribution in front of the destination bucket: origin access control (the bucket
 * stays private), HTTPS only, caching by the objects' own Cache-Control (tiles immutable, info.json
 * short), and CORS headers so IIIF viewers on any site can load images and manifests.
 */
export class DestinationCdn extends Construct {
  public readonly distribution: cloudfront.Distribution;
  public readonly corsPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://{domain}`, without a trailing slash: the `DEST_URL` for task files. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: DestinationCdnProps) {
    super(scope, id);
    this.corsPolicy = new cloudfront.ResponseHeadersPolicy(this, 'IiifCors', {
      comment: 'CORS for IIIF viewers (info.json, tiles, manifests)',
      corsBehavior: {
        accessControlAllowOrigins: [...(props.allowedOrigins ?? ['*'])],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowHeaders: ['*'],
        accessControlExposeHeaders: ['Content-Length', 'Content-Type', 'ETag'],
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.days(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    const certificate =
      props.certificateArn === undefined
        ? undefined
        : acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'iiif-batch: static IIIF images and manifests',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(props.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.corsPolicy,
        compress: true,
      },
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(certificate === undefined
        ? {}
        : {
            certificate,
            domainNames: [...(props.domainNames ?? [])],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }),
    });
    this.url = `https://${props.domainNames?.[0] ?? this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Digitised collections are published for the whole world; no geo restriction.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Static, public, read-only IIIF files behind a cache: no WAF (its cost buys nothing here).',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'Access logging is left to the operator (standard logging needs an ACL-enabled bucket).',
      },
      ...(certificate === undefined
        ? [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'Without a custom domain CloudFront serves its *.cloudfront.net certificate, which does not ' +
                'enforce a minimum TLS version; set cdn.domainNames and cdn.certificateArn for TLS 1.2.',
            },
          ]
        : []),
    );
  }
}
