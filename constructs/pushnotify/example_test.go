package pushnotify_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/pushnotify"
)

// Players' phones get the notices published to a topic: FCM for Android,
// APNs for iOS, with the credentials referenced by secret name only, and
// devices registered through a Cognito-authorized API. The default handlers
// are named by import path, so this builds from any app that requires
// gureum.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Game"), nil)
	players := awscognito.NewUserPool(stack, jsii.String("Players"), nil)
	notices := awssns.NewTopic(stack, jsii.String("Notices"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})

	push := pushnotify.New(stack, "Push", &pushnotify.Props{
		FCM: &pushnotify.FCM{Secret: awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("FcmKey"), jsii.String("game/push/fcm"))},
		APNS: &pushnotify.APNS{
			Secret:       awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("ApnsKey"), jsii.String("game/push/apns")),
			SigningKeyID: "ABC123DEFG", TeamID: "TEAM123456", BundleID: "com.example.game",
		},
		Notices: notices,
		API:     pushnotify.API{UserPools: []awscognito.IUserPool{players}},
	})

	routes := make([]string, 0, len(push.API.Functions))
	for r := range push.API.Functions {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Println("routes:", routes)
	tpl := assertions.Template_FromStack(stack, nil)
	var platforms []string
	for _, r := range *tpl.FindResources(jsii.String("Custom::SNSPlatformApplication"), nil) {
		p := (*r)["Properties"].(map[string]any)
		platforms = append(platforms, fmt.Sprintf("%s from secret %s", p["Platform"], p["SecretId"]))
	}
	sort.Strings(platforms)
	fmt.Println("platform applications:", platforms)
	fmt.Println("alarms:", len(push.Alarms))
	// Output:
	// routes: [DELETE /devices/{token} PUT /devices]
	// platform applications: [APNS from secret game/push/apns GCM from secret game/push/fcm]
	// alarms: 7
}
