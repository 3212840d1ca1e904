package serverlessapi

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/internal/table"
)

// ServerlessAPI is an API Gateway REST API whose routes are Go Lambda
// functions backed by a DynamoDB table. Every resource it made is exported.
type ServerlessAPI struct {
	constructs.Construct
	// API is the REST API and Stage its deployed stage.
	API   awsapigateway.RestApi
	Stage awsapigateway.Stage
	// Table is the table the routes use (created, or Props.ExistingTable).
	Table awsdynamodb.ITableV2
	// Functions maps "METHOD /path" to the route's function; the function's
	// role and log group are reachable through it.
	Functions map[string]awslambda.Function
	// AccessLogs receives the stage's JSON access logs.
	AccessLogs awslogs.LogGroup
	// RequestValidator validates bodies and parameters of every method.
	RequestValidator awsapigateway.RequestValidator
	// Authorizer is the Cognito authorizer, nil under IAM authorization.
	Authorizer awsapigateway.CognitoUserPoolsAuthorizer
	// UsagePlan and APIKey exist when Props.APIKeys is set.
	UsagePlan awsapigateway.UsagePlan
	APIKey    awsapigateway.IApiKey
	// WebACL is the web ACL the construct created (nil when WAF is disabled
	// or an existing web ACL is used); WebACLArn is the associated ACL's ARN
	// ("" when disabled); WAFLogs holds the web ACL's logs.
	WebACL    awswafv2.CfnWebACL
	WebACLArn string
	WAFLogs   awslogs.LogGroup
	// Alarms maps a name ("Api5xx", "POST /polls Errors", ...) to its alarm.
	Alarms map[string]awscloudwatch.Alarm
}

// New creates a ServerlessAPI. It panics with a *validate.Error that names
// every invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *ServerlessAPI {
	if err := validateProps(scope, id, props); err != nil {
		panic(err)
	}
	p := *props
	s := &ServerlessAPI{
		Construct: constructs.NewConstruct(scope, jsii.String(id)),
		Functions: map[string]awslambda.Function{},
		Alarms:    map[string]awscloudwatch.Alarm{},
	}
	s.Table = p.ExistingTable
	if s.Table == nil {
		s.Table = newTable(s.Construct, p.Table)
	}
	s.newAPI(&p)
	for _, r := range p.Routes {
		s.addRoute(&p, r)
	}
	s.newWAF(p.WAF)
	s.newAlarms(&p)
	return s
}

// Validate reports every invalid prop of a ServerlessAPI that would be created
// as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	return validateProps(scope, id, props)
}

func newTable(scope constructs.Construct, t TableProps) awsdynamodb.TableV2 {
	pk := t.PartitionKey
	if pk == nil {
		pk = table.StringKey(DefaultPartitionKey)
	}
	sk := t.SortKey
	if sk == nil && !t.NoSortKey {
		sk = table.StringKey(DefaultSortKey)
	}
	return table.New(scope, "Table", table.Props{
		PartitionKey:              pk,
		SortKey:                   sk,
		TimeToLiveAttribute:       t.TimeToLiveAttribute,
		GlobalSecondaryIndexes:    t.GlobalSecondaryIndexes,
		EncryptionKey:             t.EncryptionKey,
		DisableDeletionProtection: t.DisableDeletionProtection,
		Destroy:                   t.Destroy,
	})
}

func (s *ServerlessAPI) newAPI(p *Props) {
	stageName := p.StageName
	if stageName == "" {
		stageName = DefaultStageName
	}
	throttle := p.Throttle
	if throttle == nil {
		throttle = &Throttle{RatePerSecond: DefaultRateLimit, Burst: DefaultBurstLimit}
	}
	retention := p.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	s.AccessLogs = loggroup.New(s.Construct, "AccessLogs", loggroup.Props{Retention: retention})

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
		quota := k.QuotaPerDay
		if quota == 0 {
			quota = DefaultAPIKeyQuotaPerDay
		}
		kt := k.Throttle
		if kt == nil {
			kt = throttle
		}
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

func (s *ServerlessAPI) addRoute(p *Props, r Route) {
	key := routeKey(r)
	pick := func(route, def, fallback int) int {
		if route != 0 {
			return route
		}
		if def != 0 {
			return def
		}
		return fallback
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = p.Function.Timeout
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	env := map[string]string{"TABLE_NAME": *s.Table.TableName()}
	for k, v := range r.Environment {
		env[k] = v
	}
	retention := p.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	fn := golambda.New(s.Construct, routeID(r), golambda.Props{
		Entry:               r.Entry,
		Description:         key + " of " + *s.Node().Path(),
		MemoryMB:            pick(r.MemoryMB, p.Function.MemoryMB, DefaultMemoryMB),
		Timeout:             timeout,
		ReservedConcurrency: pick(r.ReservedConcurrency, p.Function.ReservedConcurrency, 0),
		Environment:         env,
		LogLevel:            p.Function.LogLevel,
		LogRetention:        retention,
		X86:                 p.Function.X86,
	})
	switch r.Access {
	case ReadOnly:
		s.Table.GrantReadData(fn.Function)
	case ReadWrite:
		s.Table.GrantReadWriteData(fn.Function)
	case WriteOnly:
		s.Table.GrantWriteData(fn.Function)
	}
	if r.Access != NoTableAccess {
		nag.Suppress(fn.Role, "AwsSolutions-IAM5",
			"Table grants cover the table's indexes (<table ARN>/index/*); the handler may query any index of its own table.",
			"/^Resource::<.*Table.*\\.Arn>\\/index\\/\\*$/")
	}
	s.Functions[key] = fn.Function

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
	if len(params) > 0 {
		opts.RequestParameters = &params
	}
	if r.RequestSchema != nil {
		model := s.API.AddModel(jsii.String(routeID(r)+"Model"), &awsapigateway.ModelOptions{
			ContentType: jsii.String("application/json"),
			Schema:      r.RequestSchema,
		})
		opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": model}
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
	m := res.AddMethod(jsii.String(strings.ToUpper(r.Method)), awsapigateway.NewLambdaIntegration(fn.Function, nil), opts)
	switch {
	case r.Public:
		nag.Suppress(m, "AwsSolutions-APIG4", "The route is declared Public: it serves unauthenticated callers by design.")
		nag.Suppress(m, "AwsSolutions-COG4", "The route is declared Public: it serves unauthenticated callers by design.")
	case s.Authorizer == nil:
		nag.Suppress(m, "AwsSolutions-COG4", "The route is authorized with IAM (SigV4) instead of a Cognito user pool.")
	}
}

func (s *ServerlessAPI) newWAF(w WAF) {
	if w.Disable {
		nag.Suppress(s.Stage, "AwsSolutions-APIG3", "WAF.Disable is set: the caller protects the stage another way.")
		return
	}
	arn := w.ExistingWebACLArn
	if arn == "" {
		arn = s.newWebACL(w)
	}
	s.WebACLArn = arn
	assoc := awswafv2.NewCfnWebACLAssociation(s.Construct, jsii.String("WebACLAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: s.Stage.StageArn(),
		WebAclArn:   jsii.String(arn),
	})
	assoc.Node().AddDependency(s.Stage)
}

func (s *ServerlessAPI) newWebACL(w WAF) string {
	limit := w.RateLimit
	if limit == 0 {
		limit = DefaultWAFRateLimit
	}
	window := w.Window
	if window == 0 {
		window = DefaultWAFWindow
	}
	metric := naming.Unique(s.Construct, "", 100)
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			SampledRequestsEnabled:   jsii.Bool(true),
			MetricName:               jsii.String(metric + "-" + name),
		}
	}
	override := &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}}
	action := &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}}
	if w.CountOnly {
		override = &awswafv2.CfnWebACL_OverrideActionProperty{Count: map[string]any{}}
		action = &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}}
	}
	rules := []any{&awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("RateLimitPerIP"),
		Priority: jsii.Number(0),
		Action:   action,
		Statement: &awswafv2.CfnWebACL_StatementProperty{
			RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				AggregateKeyType:    jsii.String("IP"),
				Limit:               jsii.Number(float64(limit)),
				EvaluationWindowSec: jsii.Number(window.Seconds()),
			},
		},
		VisibilityConfig: visibility("RateLimitPerIP"),
	}}
	for i, g := range wafManagedRuleGroups {
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:           jsii.String(g),
			Priority:       jsii.Number(float64(i + 1)),
			OverrideAction: override,
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"),
					Name:       jsii.String(g),
				},
			},
			VisibilityConfig: visibility(g),
		})
	}
	s.WebACL = awswafv2.NewCfnWebACL(s.Construct, jsii.String("WebACL"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("WebACL"),
		Rules:            &rules,
		Description:      jsii.String("Rate limit per client IP and AWS managed rules for " + *s.Node().Path()),
	})
	// WAF delivers logs only to log groups whose name starts with aws-waf-logs-.
	name := naming.Unique(s.Construct, "aws-waf-logs-", 512)
	s.WAFLogs = loggroup.New(s.Construct, "WAFLogs", loggroup.Props{Name: name})
	logging := awswafv2.NewCfnLoggingConfiguration(s.Construct, jsii.String("WAFLogging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: s.WebACL.AttrArn(),
		LogDestinationConfigs: &[]any{awscdk.Stack_Of(s.Construct).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		// Credentials and session cookies never reach the logs.
		RedactedFields: &[]any{
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "authorization"}},
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "cookie"}},
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "x-api-key"}},
		},
	})
	logging.Node().AddDependency(s.WAFLogs)
	return *s.WebACL.AttrArn()
}

func (s *ServerlessAPI) newAlarms(p *Props) {
	a := p.Alarms
	rate := a.ServerErrorRate
	if rate == 0 {
		rate = DefaultServerErrorRate
	}
	latency := a.LatencyP99
	if latency == 0 {
		latency = DefaultLatencyP99
	}
	five := awscdk.Duration_Minutes(jsii.Number(5))
	path := *s.Node().Path()
	s.Alarms["Api5xx"] = alarms.New(s.Construct, "Api5xxAlarm", alarms.Spec{
		Metric:            s.Stage.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
		Threshold:         rate,
		EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: more than %.1f%% of requests answered 5xx. Look at the access logs and the route functions' errors.", path, rate*100),
	}, a.Topic)
	s.Alarms["ApiLatencyP99"] = alarms.New(s.Construct, "ApiLatencyAlarm", alarms.Spec{
		Metric:            s.Stage.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five}),
		Threshold:         float64(latency.Milliseconds()),
		EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: p99 latency above %s. Look at X-Ray traces and DynamoDB throttles.", path, latency),
	}, a.Topic)
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
		}, a.Topic)
		s.Alarms[k+" Throttles"] = alarms.New(s.Construct, id+"ThrottlesAlarm", alarms.Spec{
			Metric:      fn.MetricThrottles(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
			Threshold:   1,
			Description: fmt.Sprintf("%s: the %s function was throttled. Raise its reserved concurrency or the account limit.", path, k),
		}, a.Topic)
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
	}, a.Topic)
}

func routeIDFromKey(k string) string {
	method, path, _ := strings.Cut(k, " ")
	return routeID(Route{Method: method, Path: path})
}
