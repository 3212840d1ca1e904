package stacks

// Session 1, scenario 1: a small service moved to the cloud without servers.
// A vote is idle most of the time and spikes suddenly, so the whole path
// scales with requests and costs nothing at rest:
//
//	client ─▶ WAF ─▶ API Gateway (stage "prod", throttled) ─▶ Lambda (Go) ─▶ DynamoDB
//
// Voters sign in with a Cognito user pool; one vote per voter is enforced by
// the table, keyed by the voter's Cognito identity.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// NewVotingStack builds the voting service.
func NewVotingStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: serverless voting service (API Gateway, Lambda, DynamoDB)"))

	voters := awscognito.NewUserPool(stack, jsii.String("Voters"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:            jsii.Bool(true),
		SignInAliases:                &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:                   &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:              awscognito.AccountRecovery_EMAIL_ONLY,
		Mfa:                          awscognito.Mfa_REQUIRED,
		MfaSecondFactor:              &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	// Browsers and apps sign in with SRP (the Amplify libraries). Password
	// auth lets the AWS CLI get a token too (it cannot compute SRP): the
	// password goes only to Cognito over TLS, the TOTP second factor is still
	// required, and threat protection screens these sign-ins like SRP ones.
	client := voters.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
	})

	str := func(max int) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(float64(max))}
	}
	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Description: "Polls and votes",
		Auth:        serverlessapi.Auth{UserPools: []awscognito.IUserPool{voters}},
		Alarms:      serverlessapi.Alarms{Topic: alarmtopic.New(stack, "Alarms", nil).Topic},
		Routes: []serverlessapi.Route{
			{
				// CreatePoll: one conditional PutItem.
				Method: "POST", Path: "/polls", Entry: o.entry("voting", "createpoll"), Actions: []string{"dynamodb:PutItem"},
				Throttle: &serverlessapi.Throttle{RatePerSecond: 50, Burst: 100},
				RequestSchema: &awsapigateway.JsonSchema{
					Type:     awsapigateway.JsonSchemaType_OBJECT,
					Required: jsii.Strings("question", "options"),
					Properties: &map[string]*awsapigateway.JsonSchema{
						"question": str(300),
						"options": {
							Type: awsapigateway.JsonSchemaType_ARRAY, Items: str(100),
							MinItems: jsii.Number(2), MaxItems: jsii.Number(20), UniqueItems: jsii.Bool(true),
						},
					},
					AdditionalProperties: false,
				},
			},
			{
				// CastVote: TransactWriteItems of a Put (voter record) and an
				// Update (counter), each authorized as its own action; the
				// old item returned on a failed condition needs no read grant.
				Method: "POST", Path: "/polls/{id}/votes", Entry: o.entry("voting", "castvote"),
				Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"},
				RequestSchema: &awsapigateway.JsonSchema{
					Type:     awsapigateway.JsonSchemaType_OBJECT,
					Required: jsii.Strings("option"),
					Properties: &map[string]*awsapigateway.JsonSchema{
						"option":  str(100),
						"voterId": str(128),
					},
					AdditionalProperties: false,
				},
			},
			// GetPoll: one strongly consistent GetItem.
			{Method: "GET", Path: "/polls/{id}", Entry: o.entry("voting", "getpoll"), Actions: []string{"dynamodb:GetItem"}},
		},
	})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.API.Url(), Description: jsii.String("Base URL of the voting API")})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: voters.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: client.UserPoolClientId()})
	return stack
}
