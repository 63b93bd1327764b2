import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnAuthorizer,
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, type RouteSpec, STAGE_THROTTLE } from '../topology.ts';

export interface LedgerHttpApiProps {
  readonly apiName: string;
  readonly routes: readonly RouteSpec[];
  readonly handlerOf: (name: FunctionName) => IFunction;
  readonly authorizer: IFunction;
  /**
   * Steady-state requests per second across the routes without a throttle of their own.
   * @default STAGE_THROTTLE.rateLimit (100)
   */
  readonly rateLimit?: number;
  /** @default STAGE_THROTTLE.burstLimit (200) */
  readonly burstLimit?: number;
  /** @default RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: RetentionDays;
}

/** What each access-log line holds: who called (tenant and role from the authorizer), what, and how it went. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  tenant: '$context.authorizer.tenant',
  role: '$context.authorizer.role',
} as const;

/**
 * The HTTP API (API Gateway v2): every route from the topology, the token authorizer on each route
 * that asks for it, one default stage with throttling and JSON access logs.
 */
export class LedgerHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: LedgerHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Release Ledger API (v1)',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      // Who called the ledger is audit evidence too: kept when the stateless stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.rateLimit ?? STAGE_THROTTLE.rateLimit,
        burstLimit: props.burstLimit ?? STAGE_THROTTLE.burstLimit,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // The authorizer never denies: it returns the caller, or the reason there is none, and the route
    // answers 401/403 with the API's own error body. So it must run on every request, a missing
    // Authorization header included: an identity source would make API Gateway answer 401 itself,
    // without our body, when the header is absent. No identity source requires caching to be off, which
    // also means a revoked token stops working at once.
    const tokenAuthorizer = new HttpLambdaAuthorizer('TokenAuthorizer', props.authorizer, {
      authorizerName: 'token',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (name: FunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}Integration`, props.handlerOf(name));
        integrations.set(name, integration);
      }
      return integration;
    };

    for (const route of props.routes) {
      const authorizer: IHttpRouteAuthorizer = route.authorized ? tokenAuthorizer : new HttpNoneAuthorizer();
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationOf(route.function),
        authorizer,
      });
      if (!route.authorized && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is declared authorized: false in infra/topology.ts, where that is reviewed: the route is public by design (liveness, API description) or authenticates the caller itself (a webhook provider's signature).`,
        });
      }
    }
    // Routes with their own throttle (infra/topology.ts) get it as route settings; the L2 stage has no
    // property for them. A route's setting replaces the stage default for that route alone.
    const routeSettings = Object.fromEntries(
      props.routes.flatMap((route) =>
        route.throttle
          ? [
              [
                `${route.method} ${route.path}`,
                {
                  ThrottlingRateLimit: route.throttle.rateLimit,
                  ThrottlingBurstLimit: route.throttle.burstLimit,
                },
              ],
            ]
          : [],
      ),
    );
    if (Object.keys(routeSettings).length > 0) {
      (this.stage.node.defaultChild as CfnStage).addPropertyOverride('RouteSettings', routeSettings);
      // A route setting naming a route the API does not have yet fails the deployment.
      for (const child of this.api.node.findAll()) {
        if (child instanceof HttpRoute) this.stage.node.addDependency(child);
      }
    }
    // CDK renders `identitySource: []` as an empty list; leave the property out, which is what the API
    // documents for a Lambda authorizer without caching.
    for (const child of this.api.node.findAll()) {
      if (child instanceof CfnAuthorizer) child.addPropertyDeletionOverride('IdentitySource');
    }
  }

  /** The API's base URL (routes start with /v1). */
  get url(): string {
    return this.stage.url;
  }
}
