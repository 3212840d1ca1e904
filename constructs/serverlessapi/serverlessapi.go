package serverlessapi

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/table"
)

// ServerlessAPI is an API Gateway REST API (or HTTP API) whose routes are Go
// Lambda functions backed by a DynamoDB table. Every resource it made is
// exported.
type ServerlessAPI struct {
	constructs.Construct
	// API is the REST API and Stage its deployed stage (nil with
	// Props.HTTPAPI).
	API   awsapigateway.RestApi
	Stage awsapigateway.Stage
	// HTTPAPI is the HTTP API and HTTPStage its stage, HTTPRoutes its routes
	// by "METHOD /path" and HTTPAuthorizer their JWT (Cognito) or IAM
	// authorizer, with Props.HTTPAPI (nil otherwise; then the REST-only
	// fields Methods, ExecutionLogs, GatewayResponses and RequestValidator
	// are empty).
	HTTPAPI        awsapigatewayv2.HttpApi
	HTTPStage      awsapigatewayv2.HttpStage
	HTTPRoutes     map[string]awsapigatewayv2.HttpRoute
	HTTPAuthorizer awsapigatewayv2.IHttpRouteAuthorizer
	// Table is the table the routes use (created, or Props.ExistingTable).
	Table awsdynamodb.ITableV2
	// Functions maps "METHOD /path" to the route's function; the function's
	// role and log group are reachable through it. Methods maps the same
	// keys to the API Gateway methods, and Models to the request models of
	// the routes that have one (Route.RequestSchema, or the OpenAPI
	// document's schema).
	Functions map[string]awslambda.Function
	Methods   map[string]awsapigateway.Method
	Models    map[string]awsapigateway.Model
	// AccessLogs receives the stage's JSON access logs; ExecutionLogs is the
	// API-Gateway-Execution-Logs_{restApiId}/{stage} group API Gateway writes
	// execution logs to, created here so it has a retention. (A stage that
	// already logged before this group was part of the template has the group
	// already, made by API Gateway: delete or import it before updating.)
	AccessLogs    awslogs.LogGroup
	ExecutionLogs awslogs.LogGroup
	// GatewayResponses maps a response type ("BAD_REQUEST_BODY",
	// "DEFAULT_4XX", ...) to the gateway response that gives it the JSON
	// error body; empty when GatewayErrors.Disable is set.
	GatewayResponses map[string]awsapigateway.GatewayResponse
	// RequestValidator validates bodies and parameters of every method.
	RequestValidator awsapigateway.RequestValidator
	// Authorizer is the Cognito authorizer, nil under IAM authorization.
	Authorizer awsapigateway.CognitoUserPoolsAuthorizer
	// UsagePlan and APIKey exist when Props.APIKeys is set.
	UsagePlan awsapigateway.UsagePlan
	APIKey    awsapigateway.IApiKey
	// WebACL is the web ACL the construct created (nil when WAF is disabled
	// or an existing web ACL is used); WebACLArn is the associated ACL's ARN
	// ("" when disabled) and WebACLAssociation ties it to the stage (nil when
	// disabled); WAFLogs holds the created web ACL's logs, in a group named
	// aws-waf-logs-<construct path>-<stack id suffix> so that a retained
	// group never blocks re-creating the stack, and WAFLogging sends them
	// there.
	WebACL            awswafv2.CfnWebACL
	WebACLArn         string
	WebACLAssociation awswafv2.CfnWebACLAssociation
	WAFLogs           awslogs.LogGroup
	WAFLogging        awswafv2.CfnLoggingConfiguration
	// Alarms maps a name ("Api5xx", "POST /polls Errors", ...) to its alarm;
	// AlarmTopic receives their notifications: Props.Alarms.Topic, or the
	// stack's shared alarm topic (alarmtopic.Shared).
	Alarms     map[string]awscloudwatch.Alarm
	AlarmTopic awssns.ITopic

	// iamRoutes tells, by route key, whether the route is authorized with
	// IAM, for GrantInvoke.
	iamRoutes map[string]bool
}

// New creates a ServerlessAPI. It panics with a *validate.Error that names
// every invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *ServerlessAPI {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	s := &ServerlessAPI{
		Construct:        constructs.NewConstruct(scope, jsii.String(id)),
		Functions:        map[string]awslambda.Function{},
		Methods:          map[string]awsapigateway.Method{},
		Models:           map[string]awsapigateway.Model{},
		HTTPRoutes:       map[string]awsapigatewayv2.HttpRoute{},
		Alarms:           map[string]awscloudwatch.Alarm{},
		GatewayResponses: map[string]awsapigateway.GatewayResponse{},
		AlarmTopic:       c.Alarms.Topic,
		iamRoutes:        map[string]bool{},
	}
	if s.AlarmTopic == nil {
		s.AlarmTopic = alarmtopic.Shared(s.Construct).Topic
	}
	s.Table = c.ExistingTable
	if s.Table == nil {
		s.Table = newTable(s.Construct, c.Table)
	}
	if c.HTTPAPI {
		s.newHTTPAPI(c)
	} else {
		s.newAPI(c)
	}
	for i, r := range c.Routes {
		s.addRoute(c, i, r)
	}
	if !c.HTTPAPI {
		s.newCanary(c)
		s.newWAF(c)
	}
	s.newAlarms(c)
	s.scopePermissions()
	return s
}

// URL is the stage's base URL.
func (s *ServerlessAPI) URL() *string {
	if s.HTTPStage != nil {
		return s.HTTPStage.Url()
	}
	return s.API.Url()
}

// Validate reports every invalid prop of a ServerlessAPI that would be created
// as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

func newTable(scope constructs.Construct, t TableProps) awsdynamodb.TableV2 {
	return table.New(scope, "Table", table.Props{
		PartitionKey:              t.PartitionKey,
		SortKey:                   t.SortKey,
		TimeToLiveAttribute:       t.TimeToLiveAttribute,
		GlobalSecondaryIndexes:    t.GlobalSecondaryIndexes,
		EncryptionKey:             t.EncryptionKey,
		DisableDeletionProtection: t.DisableDeletionProtection,
		Destroy:                   t.Destroy,
	})
}

func (s *ServerlessAPI) newAPI(p *config) {
	stageName, throttle, retention := p.StageName, p.Throttle, p.LogRetention
	s.AccessLogs = loggroup.New(s.Construct, "AccessLogs", loggroup.Props{Retention: retention, EncryptionKey: p.LogEncryptionKey})

	methodOptions := map[string]*awsapigateway.MethodDeploymentOptions{}
	for _, r := range p.Routes {
		if r.Throttle != nil {
			methodOptions[r.Path+"/"+strings.ToUpper(r.Method)] = &awsapigateway.MethodDeploymentOptions{
				ThrottlingRateLimit:  jsii.Number(r.Throttle.RatePerSecond),
				ThrottlingBurstLimit: jsii.Number(float64(r.Throttle.Burst)),
			}
		}
	}
	props := &awsapigateway.RestApiProps{
		RestApiName:    jsii.String(*s.Node().Path()),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(!p.DisableCloudWatchRole),
		// The account-level logging role may serve other APIs: keep it.
		CloudWatchRoleRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(stageName),
			ThrottlingRateLimit:  jsii.Number(throttle.RatePerSecond),
			ThrottlingBurstLimit: jsii.Number(float64(throttle.Burst)),
			TracingEnabled:       jsii.Bool(true),
			MetricsEnabled:       jsii.Bool(true),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_INFO,
			// Full request/response logging would copy bodies (and any personal
			// data in them) into the logs.
			DataTraceEnabled:     jsii.Bool(false),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(s.AccessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
			MethodOptions: &methodOptions,
		},
	}
	if len(p.StageVariables) > 0 {
		props.DeployOptions.Variables = stringMap(p.StageVariables)
	}
	if p.Description != "" {
		props.Description = jsii.String(p.Description)
	}
	if c := p.CORS; c != nil {
		cors := &awsapigateway.CorsOptions{
			AllowOrigins:     jsii.Strings(c.AllowOrigins...),
			AllowCredentials: jsii.Bool(c.AllowCredentials),
		}
		if len(c.AllowHeaders) > 0 {
			cors.AllowHeaders = jsii.Strings(c.AllowHeaders...)
		}
		if c.MaxAge > 0 {
			cors.MaxAge = awscdk.Duration_Seconds(jsii.Number(c.MaxAge.Seconds()))
		}
		props.DefaultCorsPreflightOptions = cors
	}
	s.API = awsapigateway.NewRestApi(s.Construct, jsii.String("Api"), props)
	s.Stage = s.API.DeploymentStage()
	// API Gateway would create the execution log group on first use, with no
	// retention and outside the template. Creating it first, under the name
	// the service uses, gives it the retention and removal policy of the
	// access logs; a new REST API id (a re-created stack) is a new name.
	s.ExecutionLogs = loggroup.New(s.Construct, "ExecutionLogs", loggroup.Props{
		Name:          "API-Gateway-Execution-Logs_" + *s.API.RestApiId() + "/" + stageName,
		Retention:     retention,
		EncryptionKey: p.LogEncryptionKey,
	})
	s.Stage.Node().AddDependency(s.ExecutionLogs)
	s.newGatewayResponses(p)
	if !p.DisableCloudWatchRole {
		nag.Suppress(s.API.Node().FindChild(jsii.String("CloudWatchRole")), "AwsSolutions-IAM4",
			"API Gateway's account-level CloudWatch role uses the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented policy for execution logging.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
	}
	s.RequestValidator = s.API.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	if len(p.Auth.UserPools) > 0 {
		s.Authorizer = awsapigateway.NewCognitoUserPoolsAuthorizer(s.Construct, jsii.String("Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
			CognitoUserPools: &p.Auth.UserPools,
		})
	}
	if k := p.APIKeys; k != nil {
		quota, kt := k.QuotaPerDay, k.Throttle
		s.UsagePlan = s.API.AddUsagePlan(jsii.String("UsagePlan"), &awsapigateway.UsagePlanProps{
			Quota:     &awsapigateway.QuotaSettings{Limit: jsii.Number(float64(quota)), Period: awsapigateway.Period_DAY},
			Throttle:  &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(kt.RatePerSecond), BurstLimit: jsii.Number(float64(kt.Burst))},
			ApiStages: &[]*awsapigateway.UsagePlanPerApiStage{{Api: s.API, Stage: s.Stage}},
		})
		s.APIKey = s.API.AddApiKey(jsii.String("ApiKey"), nil)
		s.UsagePlan.AddApiKey(s.APIKey, nil)
	}
}

// routeKey is the "METHOD /path" name of a route.
func routeKey(r Route) string { return strings.ToUpper(r.Method) + " " + r.Path }

// routeID turns "POST /polls/{id}/votes" into "PostPollsIdVotes".
func routeID(r Route) string {
	var b strings.Builder
	up := true
	for _, c := range strings.ToLower(r.Method) + "/" + r.Path {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			if up {
				c = unicode.ToUpper(c)
			}
			b.WriteRune(c)
			up = false
			continue
		}
		up = true
	}
	if r.Path == "/" {
		b.WriteString("Root")
	}
	return b.String()
}

func (s *ServerlessAPI) addRoute(p *config, i int, r Route) {
	key := routeKey(r)
	env := map[string]string{"TABLE_NAME": *s.Table.TableName()}
	for k, v := range r.Environment {
		env[k] = v
	}
	fn := golambda.New(s.Construct, routeID(r), golambda.Props{
		Entry:               r.Entry,
		Description:         key + " of " + *s.Node().Path(),
		MemoryMB:            r.MemoryMB,
		Timeout:             r.Timeout,
		ReservedConcurrency: r.ReservedConcurrency,
		Environment:         env,
		LogLevel:            p.Function.LogLevel,
		LogRetention:        p.LogRetention,
		LogEncryptionKey:    p.LogEncryptionKey,
		X86:                 p.Function.X86,
	})
	nag.Suppress(fn.Function, "Serverless-LambdaDLQ",
		"API Gateway invokes the route's function synchronously: a failure is answered to the caller (5xx) and raises the function's errors alarm; there is no asynchronous event for a dead-letter queue to keep.")
	s.grantTable(fn, r)
	s.Functions[key] = fn.Function
	if p.HTTPAPI {
		s.addHTTPRoute(p, r, fn.Function)
		return
	}
	s.addMethod(p, p.spec[i], r, fn.Function)
}

// addMethod serves the route with a REST API method whose Lambda proxy
// integration invokes fn.
func (s *ServerlessAPI) addMethod(p *config, spec routeSpec, r Route, fn awslambda.Function) {
	key := routeKey(r)
	opts := &awsapigateway.MethodOptions{
		RequestValidator: s.RequestValidator,
		ApiKeyRequired:   jsii.Bool(p.APIKeys != nil),
	}
	params := map[string]*bool{}
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			params["method.request.path."+strings.Trim(seg, "{}+")] = jsii.Bool(true)
		}
	}
	for k, required := range spec.params {
		params[k] = jsii.Bool(required)
	}
	if len(params) > 0 {
		opts.RequestParameters = &params
	}
	var model awsapigateway.Model
	switch {
	case r.RequestSchema != nil:
		model = s.API.AddModel(jsii.String(routeID(r)+"Model"), &awsapigateway.ModelOptions{
			ContentType: jsii.String("application/json"),
			Schema:      r.RequestSchema,
		})
	case spec.model != nil:
		model = s.addSchemaModel(routeID(r)+"Model", spec.model)
	}
	if model != nil {
		opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": model}
		s.Models[key] = model
	}
	switch {
	case r.Public:
		opts.AuthorizationType = awsapigateway.AuthorizationType_NONE
	case s.Authorizer != nil:
		opts.AuthorizationType = awsapigateway.AuthorizationType_COGNITO
		opts.Authorizer = s.Authorizer
		if len(p.Auth.Scopes) > 0 {
			opts.AuthorizationScopes = jsii.Strings(p.Auth.Scopes...)
		}
	default:
		opts.AuthorizationType = awsapigateway.AuthorizationType_IAM
	}
	res := s.API.Root()
	if r.Path != "/" {
		res = res.ResourceForPath(jsii.String(r.Path))
	}
	// No test-invoke-stage permission: the console's test button would
	// invoke the function outside the stage, its throttling and its WAF.
	integration := awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{AllowTestInvoke: jsii.Bool(false)})
	m := res.AddMethod(jsii.String(strings.ToUpper(r.Method)), integration, opts)
	s.Methods[key] = m
	s.iamRoutes[key] = opts.AuthorizationType == awsapigateway.AuthorizationType_IAM
	switch {
	case r.Public:
		nag.Suppress(m, "AwsSolutions-APIG4", "The route is declared Public: it serves unauthenticated callers by design.")
		nag.Suppress(m, "AwsSolutions-COG4", "The route is declared Public: it serves unauthenticated callers by design.")
	case s.Authorizer == nil:
		nag.Suppress(m, "AwsSolutions-COG4", "The route is authorized with IAM (SigV4) instead of a Cognito user pool.")
	}
}

// grantTable gives the route's function the table access its Actions or
// Access name, and nothing more.
func (s *ServerlessAPI) grantTable(fn *golambda.Function, r Route) {
	writes := false
	switch {
	case len(r.Actions) > 0:
		actions := make([]*string, 0, len(r.Actions))
		for _, a := range r.Actions {
			actions = append(actions, jsii.String(a))
			writes = writes || tableWriteActions[a]
		}
		s.Table.Grant(fn.Function, actions...)
		// Table.Grant, unlike the Grant*Data methods, leaves the key alone.
		if key := s.Table.EncryptionKey(); key != nil {
			keyActions := keyReadActions
			if writes {
				keyActions = append(append([]string(nil), keyReadActions...), keyWriteActions...)
			}
			key.Grant(fn.Function, *jsii.Strings(keyActions...)...)
		}
	case r.Access == ReadOnly:
		s.Table.GrantReadData(fn.Function)
	case r.Access == ReadWrite:
		s.Table.GrantReadWriteData(fn.Function)
		writes = true
	case r.Access == WriteOnly:
		s.Table.GrantWriteData(fn.Function)
		writes = true
	default: // NoTableAccess
		return
	}
	nag.Suppress(fn.Role, "AwsSolutions-IAM5",
		"Table grants cover the table's indexes (<table ARN>/index/*); the handler may query any index of its own table.",
		"/^Resource::<.*Table.*\\.Arn>\\/index\\/\\*$/")
	if writes && s.Table.EncryptionKey() != nil {
		nag.Suppress(fn.Role, "AwsSolutions-IAM5",
			"Writing to a table encrypted with a customer-managed key needs the key's kms:GenerateDataKey* and kms:ReEncrypt* actions, the grant DynamoDB's own write grants make; they apply to the table's key only.",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
	}
}

// newGatewayResponses gives the errors API Gateway answers itself the
// handlers' {"error": "…"} body.
func (s *ServerlessAPI) newGatewayResponses(p *config) {
	if p.GatewayErrors.Disable {
		return
	}
	template := p.GatewayErrors.Template
	headers := map[string]*string{}
	for k, v := range gatewayErrorHeaders {
		headers[k] = jsii.String("'" + v + "'")
	}
	if c := p.CORS; c != nil && len(c.AllowOrigins) == 1 {
		headers["Access-Control-Allow-Origin"] = jsii.String("'" + c.AllowOrigins[0] + "'")
		if c.AllowCredentials {
			headers["Access-Control-Allow-Credentials"] = jsii.String("'true'")
		}
	}
	for _, g := range gatewayErrorTypes {
		typ := g.typ()
		s.GatewayResponses[*typ.ResponseType()] = s.API.AddGatewayResponse(jsii.String("GatewayError"+g.id), &awsapigateway.GatewayResponseOptions{
			Type:            typ,
			ResponseHeaders: &headers,
			Templates:       &map[string]*string{"application/json": jsii.String(template)},
		})
	}
}

func (s *ServerlessAPI) newAlarms(p *config) {
	rate, latency := p.Alarms.ServerErrorRate, p.Alarms.LatencyP99
	five := awscdk.Duration_Minutes(jsii.Number(5))
	path := *s.Node().Path()
	serverErrors := func(o *awscloudwatch.MetricOptions) awscloudwatch.IMetric { return s.Stage.MetricServerError(o) }
	latencyOf := func(o *awscloudwatch.MetricOptions) awscloudwatch.IMetric { return s.Stage.MetricLatency(o) }
	if s.HTTPStage != nil {
		serverErrors = func(o *awscloudwatch.MetricOptions) awscloudwatch.IMetric { return s.HTTPStage.MetricServerError(o) }
		latencyOf = func(o *awscloudwatch.MetricOptions) awscloudwatch.IMetric { return s.HTTPStage.MetricLatency(o) }
	}
	s.Alarms["Api5xx"] = alarms.New(s.Construct, "Api5xxAlarm", alarms.Spec{
		Metric:            serverErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
		Threshold:         rate,
		EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: more than %.1f%% of requests answered 5xx. Look at the access logs and the route functions' errors.", path, rate*100),
	}, s.AlarmTopic)
	s.Alarms["ApiLatencyP99"] = alarms.New(s.Construct, "ApiLatencyAlarm", alarms.Spec{
		Metric:            latencyOf(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five}),
		Threshold:         float64(latency.Milliseconds()),
		EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: p99 latency above %s. Look at X-Ray traces and DynamoDB throttles.", path, latency),
	}, s.AlarmTopic)
	keys := make([]string, 0, len(s.Functions))
	for k := range s.Functions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fn := s.Functions[k]
		id := routeIDFromKey(k)
		s.Alarms[k+" Errors"] = alarms.New(s.Construct, id+"ErrorsAlarm", alarms.Spec{
			Metric:      fn.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
			Threshold:   1,
			Description: fmt.Sprintf("%s: the %s function failed. Look at its log group.", path, k),
		}, s.AlarmTopic)
		s.Alarms[k+" Throttles"] = alarms.New(s.Construct, id+"ThrottlesAlarm", alarms.Spec{
			Metric:      fn.MetricThrottles(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
			Threshold:   1,
			Description: fmt.Sprintf("%s: the %s function was throttled. Raise its reserved concurrency or the account limit.", path, k),
		}, s.AlarmTopic)
	}
	throttles := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("FILL(r, 0) + FILL(w, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"r": s.Table.Metric(jsii.String("ReadThrottleEvents"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
			"w": s.Table.Metric(jsii.String("WriteThrottleEvents"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		},
		Label:  jsii.String("Read and write throttle events"),
		Period: five,
	})
	s.Alarms["TableThrottles"] = alarms.New(s.Construct, "TableThrottlesAlarm", alarms.Spec{
		Metric:      throttles,
		Threshold:   1,
		Description: fmt.Sprintf("%s: DynamoDB throttled requests to the table. Look for a hot partition key.", path),
	}, s.AlarmTopic)
}

func routeIDFromKey(k string) string {
	method, path, _ := strings.Cut(k, " ")
	return routeID(Route{Method: method, Path: path})
}

// GrantInvoke lets grantee call routes of the API with IAM (SigV4)
// authorization, the default: execute-api:Invoke on exactly those routes'
// method (or HTTP route) ARNs in the deployed stage (a path parameter is a
// * in the ARN, as IAM matches the request path). A route is named as in Functions, "METHOD
// /path"; with no route, every IAM-authorized route is granted, each by its
// own ARN. It panics, naming the construct, for a route the API does not
// have or that is not IAM-authorized (a Public route takes no signature; a
// Cognito-authorized one takes a token).
func (s *ServerlessAPI) GrantInvoke(grantee awsiam.IGrantable, routes ...string) awsiam.Grant {
	if len(routes) == 0 {
		for k, iam := range s.iamRoutes {
			if iam {
				routes = append(routes, k)
			}
		}
		sort.Strings(routes)
	}
	arns := make([]*string, 0, len(routes))
	for _, r := range routes {
		key := normalizeRouteKey(r)
		iam, ok := s.iamRoutes[key]
		switch {
		case !ok:
			panic(fmt.Errorf("serverlessapi %q: GrantInvoke: the API has no route %q; its routes are %s", *s.Node().Path(), r, strings.Join(s.routeKeys(), ", ")))
		case !iam:
			panic(fmt.Errorf("serverlessapi %q: GrantInvoke: route %q is not authorized with IAM (it is Public, or takes a Cognito token): its callers need no execute-api:Invoke grant", *s.Node().Path(), r))
		}
		arns = append(arns, s.routeArn(key))
	}
	if len(arns) == 0 {
		panic(fmt.Errorf("serverlessapi %q: GrantInvoke: the API has no IAM-authorized route", *s.Node().Path()))
	}
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("execute-api:Invoke"),
		ResourceArns: &arns,
	})
}

// normalizeRouteKey spells a route key as Functions does: the method in
// upper case, one space, the path.
func normalizeRouteKey(k string) string {
	method, path, _ := strings.Cut(strings.TrimSpace(k), " ")
	return strings.ToUpper(method) + " " + strings.TrimSpace(path)
}

// routeKeys are the API's route keys, sorted.
func (s *ServerlessAPI) routeKeys() []string {
	return sortedKeys(s.iamRoutes)
}

// routeArn is the execute-api ARN of a route in the stage, for IAM: the
// REST method's ARN, or the HTTP route's built the same way (a path
// parameter is a *, ANY is any method).
func (s *ServerlessAPI) routeArn(key string) *string {
	if s.HTTPAPI == nil {
		return s.Methods[key].MethodArn()
	}
	method, path, _ := strings.Cut(key, " ")
	if method == "ANY" {
		method = "*"
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			segs[i] = "*"
		}
	}
	return awscdk.Stack_Of(s.Construct).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("execute-api"),
		Resource:     s.HTTPAPI.ApiId(),
		ResourceName: jsii.String(*s.HTTPStage.StageName() + "/" + method + strings.Join(segs, "/")),
	})
}

// addSchemaModel adds a request model whose schema is a JSON Schema draft 4
// document as a map (an OpenAPI operation's): the Model construct writes
// its typed schema, so the map is set on the resource, and added to the
// deployment's logical id so that a changed schema is deployed.
func (s *ServerlessAPI) addSchemaModel(id string, schema map[string]any) awsapigateway.Model {
	doc := map[string]any{"$schema": "http://json-schema.org/draft-04/schema#"}
	for k, v := range schema {
		doc[k] = v
	}
	model := s.API.AddModel(jsii.String(id), &awsapigateway.ModelOptions{
		ContentType: jsii.String("application/json"),
		Schema:      &awsapigateway.JsonSchema{},
	})
	model.Node().DefaultChild().(awsapigateway.CfnModel).AddPropertyOverride(jsii.String("Schema"), doc)
	s.API.LatestDeployment().AddToLogicalId(map[string]any{"model": id, "schema": doc})
	return model
}

// newCanary sets the REST stage's canary: the latest deployment, served
// to Canary.PercentTraffic of the requests with its stage variable
// overrides.
func (s *ServerlessAPI) newCanary(p *config) {
	k := p.Canary
	if k == nil {
		return
	}
	stage := s.Stage.Node().DefaultChild().(awsapigateway.CfnStage)
	stage.SetCanarySetting(&awsapigateway.CfnStage_CanarySettingProperty{
		DeploymentId:           s.API.LatestDeployment().DeploymentId(),
		PercentTraffic:         jsii.Number(k.PercentTraffic),
		StageVariableOverrides: stringMap(k.StageVariableOverrides),
		UseStageCache:          jsii.Bool(false),
	})
}

// scopePermissions gives every permission the construct made for API
// Gateway to invoke a function the source account beside the source ARN,
// so that only this account's API (never one of the same id elsewhere)
// can invoke it.
func (s *ServerlessAPI) scopePermissions() {
	account := awscdk.Stack_Of(s.Construct).Account()
	for _, c := range *s.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if perm, ok := c.(awslambda.CfnPermission); ok && perm.Principal() != nil && *perm.Principal() == "apigateway.amazonaws.com" {
			perm.SetSourceAccount(account)
		}
	}
}

func stringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
