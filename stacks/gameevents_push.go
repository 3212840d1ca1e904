package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/pushnotify"
)

// The game's push credentials are Secrets Manager secrets, named here and
// created by the operator before the first deployment (the FCM service
// account's JSON key file; the APNs .p8 key). The APNs key ID, team ID and
// bundle ID are not secret: -c apnsKeyId=… -c apnsTeamId=… -c
// apnsBundleId=… set them.
const (
	fcmSecretName  = "gureum/game-events/push/fcm"
	apnsSecretName = "gureum/game-events/push/apns"
)

// addPush delivers the event notices published to players to the players'
// phones: FCM and APNs platform applications, the Cognito-authorized device
// API and the fan-out (constructs/pushnotify).
func addPush(stack awscdk.Stack, o Options, players awssns.ITopic, alarms awssns.ITopic) *pushnotify.PushNotify {
	ctx := func(key, def string) string {
		if v, ok := stack.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	pool := awscognito.NewUserPool(stack, jsii.String("PlayerAccounts"), &awscognito.UserPoolProps{
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
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	client := pool.AddClient(jsii.String("GameClient"), &awscognito.UserPoolClientOptions{
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
	})
	push := pushnotify.New(stack, "Push", &pushnotify.Props{
		FCM: &pushnotify.FCM{Secret: awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("FcmKey"), jsii.String(fcmSecretName))},
		APNS: &pushnotify.APNS{
			Secret:       awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("ApnsKey"), jsii.String(apnsSecretName)),
			SigningKeyID: ctx("apnsKeyId", "GUREUMKEY1"),
			TeamID:       ctx("apnsTeamId", "GUREUMTEAM"),
			BundleID:     ctx("apnsBundleId", "com.gureum.raid"),
		},
		Notices: players,
		API:     pushnotify.API{UserPools: []awscognito.IUserPool{pool}},
		Entries: pushnotify.Entries{
			Register:    o.entry("gameevents", "registerdevice"),
			Unregister:  o.entry("gameevents", "unregisterdevice"),
			FanOut:      o.entry("gameevents", "fanout"),
			Cleanup:     o.entry("gameevents", "endpointcleanup"),
			PlatformApp: o.entry("gameevents", "platformapp", "resource"),
		},
		Alarms: pushnotify.Alarms{Topic: alarms},
	})
	awscdk.NewCfnOutput(stack, jsii.String("DevicesApiUrl"), &awscdk.CfnOutputProps{Value: push.API.API.Url()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayerPoolId"), &awscdk.CfnOutputProps{Value: pool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayerPoolClientId"), &awscdk.CfnOutputProps{Value: client.UserPoolClientId()})
	return push
}
