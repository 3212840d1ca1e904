package serverlessapi

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// newHTTPAPI creates the HTTP API, its stage (throttled, JSON access logs,
// detailed metrics, per-route throttles) and its authorizer.
func (s *ServerlessAPI) newHTTPAPI(p *config) {
	s.AccessLogs = loggroup.New(s.Construct, "AccessLogs", loggroup.Props{Retention: p.LogRetention, EncryptionKey: p.LogEncryptionKey})
	props := &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(*s.Node().Path()),
		CreateDefaultStage: jsii.Bool(false),
	}
	if p.Description != "" {
		props.Description = jsii.String(p.Description)
	}
	if c := p.CORS; c != nil {
		var methods []awsapigatewayv2.CorsHttpMethod
		for _, r := range p.Routes {
			m := awsapigatewayv2.CorsHttpMethod(strings.ToUpper(r.Method))
			if m == "ANY" {
				m = awsapigatewayv2.CorsHttpMethod_ANY
			}
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
		cors := &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins:     jsii.Strings(c.AllowOrigins...),
			AllowHeaders:     jsii.Strings(c.AllowHeaders...),
			AllowMethods:     &methods,
			AllowCredentials: jsii.Bool(c.AllowCredentials),
		}
		if c.MaxAge > 0 {
			cors.MaxAge = awscdk.Duration_Seconds(jsii.Number(c.MaxAge.Seconds()))
		}
		props.CorsPreflight = cors
	}
	s.HTTPAPI = awsapigatewayv2.NewHttpApi(s.Construct, jsii.String("HttpApi"), props)
	stageProps := &awsapigatewayv2.HttpStageProps{
		HttpApi:                s.HTTPAPI,
		StageName:              jsii.String(p.StageName),
		AutoDeploy:             jsii.Bool(true),
		DetailedMetricsEnabled: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(p.Throttle.RatePerSecond),
			BurstLimit: jsii.Number(float64(p.Throttle.Burst)),
		},
	}
	if len(p.StageVariables) > 0 {
		stageProps.StageVariables = stringMap(p.StageVariables)
	}
	s.HTTPStage = awsapigatewayv2.NewHttpStage(s.Construct, jsii.String("HttpStage"), stageProps)
	stage := s.HTTPStage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: s.AccessLogs.LogGroupArn(),
		Format:         jsii.String(httpAccessLogFormat),
	})
	routeSettings := map[string]any{}
	for _, r := range p.Routes {
		if t := r.Throttle; t != nil {
			// RouteSettings is untyped JSON: CloudFormation's property
			// names, not the CDK struct's (whose fields would be written
			// in camel case).
			routeSettings[routeKey(r)] = map[string]any{
				"ThrottlingRateLimit":  t.RatePerSecond,
				"ThrottlingBurstLimit": t.Burst,
			}
		}
	}
	if len(routeSettings) > 0 {
		stage.SetRouteSettings(routeSettings)
	}
	if len(p.Auth.UserPools) > 0 {
		clients := p.Auth.UserPoolClients
		s.HTTPAuthorizer = awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Authorizer"), p.Auth.UserPools[0], &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &clients,
		})
	} else {
		s.HTTPAuthorizer = awsapigatewayv2authorizers.NewHttpIamAuthorizer()
	}
}

// addHTTPRoute serves the route with an HTTP API route whose Lambda
// integration invokes fn with payload format 1.0: the REST proxy event
// (events.APIGatewayProxyRequest) the handlers parse, with a Cognito
// token's claims at requestContext.authorizer.claims and an IAM caller at
// requestContext.identity, as the REST API gives them.
func (s *ServerlessAPI) addHTTPRoute(p *config, r Route, fn awslambda.Function) {
	key := routeKey(r)
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(routeID(r)+"Integration"), fn, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_1_0(),
	})
	props := &awsapigatewayv2.HttpRouteProps{
		HttpApi:     s.HTTPAPI,
		RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String(r.Path), awsapigatewayv2.HttpMethod(strings.ToUpper(r.Method))),
		Integration: integration,
		Authorizer:  s.HTTPAuthorizer,
	}
	iam := len(p.Auth.UserPools) == 0
	switch {
	case r.Public:
		props.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
		iam = false
	case !iam && len(p.Auth.Scopes) > 0:
		props.AuthorizationScopes = jsii.Strings(p.Auth.Scopes...)
	}
	route := awsapigatewayv2.NewHttpRoute(s.HTTPAPI, jsii.String(routeID(r)), props)
	s.HTTPRoutes[key] = route
	s.iamRoutes[key] = iam
	if r.Public {
		nag.Suppress(route, "AwsSolutions-APIG4", "The route is declared Public: it serves unauthenticated callers by design.")
	}
}
