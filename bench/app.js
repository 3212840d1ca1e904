#!/usr/bin/env node
// The gureum GureumVoting stack, and N ServerlessAPIs in one stack, written
// in plain JavaScript CDK with the aws-cdk-lib and cdk-nag versions the Go
// module uses, so that gureum's Go synthesis can be timed side by side with
// the same work done without jsii (see bench/compare and the README).
//
//   node bench/app.js voting      <outdir> <handlers>
//   node bench/app.js apis <N>    <outdir> <handlers>
//
// <handlers> holds prebuilt binaries: createpoll/bootstrap, castvote/bootstrap
// and getpoll/bootstrap (bench/compare builds them). The constructs below
// mirror constructs/serverlessapi, constructs/alarmtopic and
// constructs/internal (golambda, table, loggroup, alarms, naming, nag) and
// stacks/voting.go call for call, so the trees, logical IDs and resources
// are the Go app's: bench_test.go checks them against the golden template.
'use strict';

const path = require('path');
const cdk = require('aws-cdk-lib');
const { Construct } = require('constructs');
const apigateway = require('aws-cdk-lib/aws-apigateway');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');
const cwactions = require('aws-cdk-lib/aws-cloudwatch-actions');
const cognito = require('aws-cdk-lib/aws-cognito');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const iam = require('aws-cdk-lib/aws-iam');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sns = require('aws-cdk-lib/aws-sns');
const wafv2 = require('aws-cdk-lib/aws-wafv2');
const nag = require('cdk-nag');

// constructs/internal/nag
function suppress(c, rule, reason, ...appliesTo) {
  const s = { id: rule, reason };
  if (appliesTo.length > 0) {
    s.appliesTo = appliesTo.map((a) => (a.length > 2 && a.startsWith('/') && a.endsWith('/') ? { regex: a } : a));
  }
  nag.NagSuppressions.addResourceSuppressions(c, [s], true);
}

// constructs/internal/naming
function unique(c, prefix, maxLen) {
  return prefix + cdk.Names.uniqueResourceName(c, { maxLength: maxLen - prefix.length, separator: '-' });
}

// constructs/internal/loggroup
function logGroup(scope, id, { retention = logs.RetentionDays.ONE_YEAR, name } = {}) {
  const props = { retention, removalPolicy: cdk.RemovalPolicy.RETAIN };
  if (name) props.logGroupName = name;
  return new logs.LogGroup(scope, id, props);
}

// constructs/internal/alarms
function alarm(scope, id, s, topic) {
  const periods = s.evaluationPeriods || 1;
  const a = new cloudwatch.Alarm(scope, id, {
    metric: s.metric,
    threshold: s.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: periods,
    datapointsToAlarm: s.datapointsToAlarm || periods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: s.description,
  });
  if (topic) {
    const action = new cwactions.SnsAction(topic);
    a.addAlarmAction(action);
    a.addOkAction(action);
  }
  return a;
}

// constructs/internal/golambda, with a prebuilt binary instead of go build.
function goFunction(scope, id, p) {
  const c = new Construct(scope, id);
  const logGroupOfFn = logGroup(c, 'Logs', { retention: p.logRetention });
  const role = new iam.Role(c, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of ' + c.node.path,
  });
  logGroupOfFn.grantWrite(role);
  const props = {
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(p.binaryDir),
    memorySize: p.memoryMB || 256,
    timeout: cdk.Duration.millis(p.timeoutMs || 10000),
    tracing: lambda.Tracing.ACTIVE,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: p.logLevel || 'INFO',
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
    logGroup: logGroupOfFn,
    role,
    environment: p.environment || {},
    recursiveLoop: lambda.RecursiveLoop.TERMINATE,
  };
  if (p.description) props.description = p.description;
  const fn = new lambda.Function(c, 'Function', props);
  suppress(role, 'AwsSolutions-IAM5',
    "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions; '*' is the only valid resource.",
    'Resource::*');
  return { fn, role, logGroup: logGroupOfFn };
}

// constructs/alarmtopic
function alarmTopic(scope, id) {
  const c = new Construct(scope, id);
  const key = new kms.Key(c, 'Key', {
    description: 'Encrypts the alarm topic ' + c.node.path,
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarms',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  }));
  return new sns.Topic(c, 'Topic', { masterKey: key, enforceSSL: true });
}

// routeID turns "POST /polls/{id}/votes" into "PostPollsIdVotes".
function routeID(method, p) {
  let out = '';
  let up = true;
  for (const ch of method.toLowerCase() + '/' + p) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out += up ? ch.toUpperCase() : ch;
      up = false;
    } else {
      up = true;
    }
  }
  return p === '/' ? out + 'Root' : out;
}

const wafManagedRuleGroups = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
];
const gatewayErrorTemplate = '{"error":$context.error.messageString,"requestId":"$context.requestId"}';

// constructs/serverlessapi with its defaults: the props the reference stacks
// and the benchmark use (routes with Actions, a Cognito authorizer or IAM,
// an alarm topic).
function serverlessApi(scope, id, p) {
  const s = new Construct(scope, id);
  const apiPath = s.node.path;
  const table = new dynamodb.TableV2(s, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billing: dynamodb.Billing.onDemand(),
    encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });

  const accessLogs = logGroup(s, 'AccessLogs');
  const methodOptions = {};
  for (const r of p.routes) {
    if (r.throttle) {
      methodOptions[r.path + '/' + r.method.toUpperCase()] = {
        throttlingRateLimit: r.throttle.rate, throttlingBurstLimit: r.throttle.burst,
      };
    }
  }
  const apiProps = {
    restApiName: apiPath,
    endpointTypes: [apigateway.EndpointType.REGIONAL],
    cloudWatchRole: !p.disableCloudWatchRole,
    cloudWatchRoleRemovalPolicy: cdk.RemovalPolicy.RETAIN,
    deployOptions: {
      stageName: 'prod',
      throttlingRateLimit: 1000,
      throttlingBurstLimit: 2000,
      tracingEnabled: true,
      metricsEnabled: true,
      loggingLevel: apigateway.MethodLoggingLevel.INFO,
      dataTraceEnabled: false,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
        caller: true, httpMethod: true, ip: true, protocol: true, requestTime: true,
        resourcePath: true, responseLength: true, status: true, user: true,
      }),
      methodOptions,
    },
  };
  if (p.description) apiProps.description = p.description;
  const api = new apigateway.RestApi(s, 'Api', apiProps);
  const stage = api.deploymentStage;
  const executionLogs = logGroup(s, 'ExecutionLogs', { name: 'API-Gateway-Execution-Logs_' + api.restApiId + '/prod' });
  stage.node.addDependency(executionLogs);

  const headers = { 'Cache-Control': "'no-store'", 'X-Content-Type-Options': "'nosniff'" };
  for (const [gid, type] of [
    ['BadRequestBody', apigateway.ResponseType.BAD_REQUEST_BODY],
    ['BadRequestParameters', apigateway.ResponseType.BAD_REQUEST_PARAMETERS],
    ['Default4XX', apigateway.ResponseType.DEFAULT_4XX],
    ['Default5XX', apigateway.ResponseType.DEFAULT_5XX],
  ]) {
    api.addGatewayResponse('GatewayError' + gid, {
      type, responseHeaders: headers, templates: { 'application/json': gatewayErrorTemplate },
    });
  }
  if (!p.disableCloudWatchRole) {
    suppress(api.node.findChild('CloudWatchRole'), 'AwsSolutions-IAM4',
      "API Gateway's account-level CloudWatch role uses the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented policy for execution logging.",
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs');
  }
  const validator = api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
  let authorizer;
  if (p.userPools && p.userPools.length > 0) {
    authorizer = new apigateway.CognitoUserPoolsAuthorizer(s, 'Authorizer', { cognitoUserPools: p.userPools });
  }

  const functions = {};
  for (const r of p.routes) {
    const key = r.method.toUpperCase() + ' ' + r.path;
    const rid = routeID(r.method, r.path);
    const f = goFunction(s, rid, {
      binaryDir: r.binaryDir,
      description: key + ' of ' + apiPath,
      environment: { TABLE_NAME: table.tableName },
    });
    table.grant(f.fn, ...r.actions);
    suppress(f.role, 'AwsSolutions-IAM5',
      "Table grants cover the table's indexes (<table ARN>/index/*); the handler may query any index of its own table.",
      '/^Resource::<.*Table.*\\.Arn>\\/index\\/\\*$/');
    functions[key] = f.fn;

    const opts = { requestValidator: validator, apiKeyRequired: false };
    const params = {};
    for (const seg of r.path.split('/')) {
      if (seg.startsWith('{')) params['method.request.path.' + seg.replace(/^[{]+|[}+]+$/g, '')] = true;
    }
    if (Object.keys(params).length > 0) opts.requestParameters = params;
    if (r.requestSchema) {
      const model = api.addModel(rid + 'Model', { contentType: 'application/json', schema: r.requestSchema });
      opts.requestModels = { 'application/json': model };
    }
    if (authorizer) {
      opts.authorizationType = apigateway.AuthorizationType.COGNITO;
      opts.authorizer = authorizer;
    } else {
      opts.authorizationType = apigateway.AuthorizationType.IAM;
    }
    const res = r.path === '/' ? api.root : api.root.resourceForPath(r.path);
    const m = res.addMethod(r.method.toUpperCase(), new apigateway.LambdaIntegration(f.fn, { allowTestInvoke: false }), opts);
    if (!authorizer) {
      suppress(m, 'AwsSolutions-COG4', 'The route is authorized with IAM (SigV4) instead of a Cognito user pool.');
    }
  }

  // WAF
  const metric = unique(s, '', 100);
  const visibility = (name) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metric + '-' + name });
  const rules = [{
    name: 'RateLimitPerIP',
    priority: 0,
    action: { block: {} },
    statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: 2000, evaluationWindowSec: 300 } },
    visibilityConfig: visibility('RateLimitPerIP'),
  }];
  wafManagedRuleGroups.forEach((g, i) => rules.push({
    name: g,
    priority: i + 1,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: g } },
    visibilityConfig: visibility(g),
  }));
  const webACL = new wafv2.CfnWebACL(s, 'WebACL', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('WebACL'),
    rules,
    description: 'Rate limit per client IP and AWS managed rules for ' + apiPath,
  });
  const stackUUID = cdk.Fn.select(2, cdk.Fn.split('/', cdk.Aws.STACK_ID));
  const suffix = cdk.Fn.select(4, cdk.Fn.split('-', stackUUID));
  const wafLogName = unique(s, 'aws-waf-logs-', 512 - 1 - 12) + '-' + suffix;
  const wafLogs = logGroup(s, 'WAFLogs', { name: wafLogName });
  const logging = new wafv2.CfnLoggingConfiguration(s, 'WAFLogging', {
    resourceArn: webACL.attrArn,
    logDestinationConfigs: [cdk.Stack.of(s).formatArn({
      service: 'logs', resource: 'log-group', resourceName: wafLogName, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
    })],
    redactedFields: [
      { singleHeader: { Name: 'authorization' } },
      { singleHeader: { Name: 'cookie' } },
      { singleHeader: { Name: 'x-api-key' } },
    ],
  });
  logging.node.addDependency(wafLogs);
  const assoc = new wafv2.CfnWebACLAssociation(s, 'WebACLAssociation', { resourceArn: stage.stageArn, webAclArn: webACL.attrArn });
  assoc.node.addDependency(stage);

  // Alarms
  const five = cdk.Duration.minutes(5);
  alarm(s, 'Api5xxAlarm', {
    metric: stage.metricServerError({ statistic: 'Average', period: five }),
    threshold: 0.01, evaluationPeriods: 3, datapointsToAlarm: 2,
    description: `${apiPath}: more than 1.0% of requests answered 5xx. Look at the access logs and the route functions' errors.`,
  }, p.topic);
  alarm(s, 'ApiLatencyAlarm', {
    metric: stage.metricLatency({ statistic: 'p99', period: five }),
    threshold: 2000, evaluationPeriods: 3, datapointsToAlarm: 2,
    description: `${apiPath}: p99 latency above 2s. Look at X-Ray traces and DynamoDB throttles.`,
  }, p.topic);
  for (const k of Object.keys(functions).sort()) {
    const fn = functions[k];
    const [method, ...rest] = k.split(' ');
    const rid = routeID(method, rest.join(' '));
    alarm(s, rid + 'ErrorsAlarm', {
      metric: fn.metricErrors({ statistic: 'Sum', period: five }), threshold: 1,
      description: `${apiPath}: the ${k} function failed. Look at its log group.`,
    }, p.topic);
    alarm(s, rid + 'ThrottlesAlarm', {
      metric: fn.metricThrottles({ statistic: 'Sum', period: five }), threshold: 1,
      description: `${apiPath}: the ${k} function was throttled. Raise its reserved concurrency or the account limit.`,
    }, p.topic);
  }
  const throttles = new cloudwatch.MathExpression({
    expression: 'FILL(r, 0) + FILL(w, 0)',
    usingMetrics: {
      r: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: five }),
      w: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: five }),
    },
    label: 'Read and write throttle events',
    period: five,
  });
  alarm(s, 'TableThrottlesAlarm', {
    metric: throttles, threshold: 1,
    description: `${apiPath}: DynamoDB throttled requests to the table. Look for a hot partition key.`,
  }, p.topic);
  // Only this account's API may invoke the route functions.
  const account = cdk.Stack.of(s).account;
  for (const c of s.node.findAll()) {
    if (c instanceof lambda.CfnPermission && c.principal === 'apigateway.amazonaws.com') c.sourceAccount = account;
  }
  return { api, stage, table };
}

// The voting routes of stacks/voting.go.
function votingRoutes(handlers) {
  const str = (max) => ({ type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: max });
  return [
    {
      method: 'POST', path: '/polls', binaryDir: path.join(handlers, 'createpoll'), actions: ['dynamodb:PutItem'],
      throttle: { rate: 50, burst: 100 },
      requestSchema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['question', 'options'],
        properties: {
          question: str(300),
          options: { type: apigateway.JsonSchemaType.ARRAY, items: str(100), minItems: 2, maxItems: 20, uniqueItems: true },
        },
        additionalProperties: false,
      },
    },
    {
      method: 'POST', path: '/polls/{id}/votes', binaryDir: path.join(handlers, 'castvote'),
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      requestSchema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['option'],
        properties: { option: str(100), voterId: str(128) },
        additionalProperties: false,
      },
    },
    { method: 'GET', path: '/polls/{id}', binaryDir: path.join(handlers, 'getpoll'), actions: ['dynamodb:GetItem'] },
  ];
}

// stacks/voting.go
function votingStack(app, id, handlers) {
  const stack = new cdk.Stack(app, id, { description: 'gureum: serverless voting service (API Gateway, Lambda, DynamoDB)' });
  const voters = new cognito.UserPool(stack, 'Voters', {
    selfSignUpEnabled: true,
    signInAliases: { email: true },
    autoVerify: { email: true },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    featurePlan: cognito.FeaturePlan.PLUS,
    standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
    deletionProtection: true,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });
  const client = voters.addClient('WebClient', {
    authFlows: { userSrp: true, userPassword: true },
    preventUserExistenceErrors: true,
  });
  const topic = alarmTopic(stack, 'Alarms');
  const api = serverlessApi(stack, 'Votes', {
    description: 'Polls and votes',
    userPools: [voters],
    topic,
    routes: votingRoutes(handlers),
  });
  new cdk.CfnOutput(stack, 'ApiUrl', { value: api.api.url, description: 'Base URL of the voting API' });
  new cdk.CfnOutput(stack, 'UserPoolId', { value: voters.userPoolId });
  new cdk.CfnOutput(stack, 'UserPoolClientId', { value: client.userPoolClientId });
  return stack;
}

// N ServerlessAPIs with the voting routes under IAM authorization and their
// defaults (each makes API Gateway's account role), sharing one alarm topic
// (bench/goapp builds the same in Go).
function apisStack(app, id, n, handlers) {
  const stack = new cdk.Stack(app, id, { description: `gureum benchmark: ${n} ServerlessAPIs` });
  const topic = alarmTopic(stack, 'Alarms');
  for (let i = 1; i <= n; i++) {
    serverlessApi(stack, `Api${i}`, { topic, routes: votingRoutes(handlers) });
  }
  return stack;
}

function main(argv) {
  const [what, ...rest] = argv;
  let n;
  if (what === 'apis') n = Number(rest.shift());
  const [outdir, handlers] = rest;
  if (!['voting', 'apis'].includes(what) || !outdir || !handlers || (what === 'apis' && !(n >= 1))) {
    console.error('usage: node bench/app.js voting <outdir> <handlers> | node bench/app.js apis <N> <outdir> <handlers>');
    process.exit(2);
  }
  // 52 resources each: from 10 on, past CloudFormation's 500 per stack. The
  // benchmark measures synthesis, not a deployable stack.
  const app = new cdk.App({ outdir, context: what === 'apis' ? { '@aws-cdk/core:stackResourceLimit': 0 } : {} });
  if (what === 'voting') {
    votingStack(app, 'GureumVoting', path.resolve(handlers));
  } else {
    apisStack(app, `GureumBenchApis${n}`, n, path.resolve(handlers));
  }
  cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks({ verbose: true, reports: true }));
  app.synth();
}

main(process.argv.slice(2));
