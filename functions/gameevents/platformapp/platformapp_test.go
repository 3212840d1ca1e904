package platformapp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/gureum-cdk/gureum/internal/snsquery"
)

// secretsServer speaks Secrets Manager's JSON 1.1 protocol for
// GetSecretValue, the one call the handler makes, checking the request's
// target, content type and body.
func secretsServer(t *testing.T, secrets map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			t.Errorf("unexpected Secrets Manager request: %s %v", r.Header.Get("X-Amz-Target"), r.Header)
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"InvalidRequestException","message":"bad request"}`)
			return
		}
		var in struct{ SecretId string }
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		v, ok := secrets[in.SecretId]
		if !ok {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:" + in.SecretId + "-AbCdEf",
			"Name": in.SecretId, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pemKey(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// serviceAccount is a service account JSON key file as the Google Cloud
// console downloads it, with a fresh RSA key.
func serviceAccount(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "gureum-game", "private_key_id": "0123456789abcdef",
		"private_key": pemKey(t, k), "client_email": "firebase-adminsdk@gureum-game.iam.gserviceaccount.com",
		"client_id": "1234567890", "token_uri": "https://oauth2.googleapis.com/token",
	})
	return string(b)
}

// p8 is an APNs signing key file: PKCS #8, ECDSA P-256.
func p8(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pemKey(t, k)
}

type fixture struct {
	sns     *snsquery.Server
	h       *Handler
	logs    *bytes.Buffer
	secrets map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{sns: snsquery.Start(), logs: &bytes.Buffer{}, secrets: map[string]string{
		"gureum/push/fcm": serviceAccount(t), "gureum/push/apns": p8(t), "not-a-key": "hunter2-hunter2-hunter2",
	}}
	t.Cleanup(func() {
		f.sns.Close()
		if v := f.sns.Violations(); len(v) > 0 {
			t.Errorf("requests that break the SNS API Reference:\n%s", strings.Join(v, "\n"))
		}
	})
	sm := secretsServer(t, f.secrets)
	cfg := f.sns.Config()
	smCfg := cfg.Copy()
	smCfg.BaseEndpoint = aws.String(sm.URL)
	f.h = &Handler{SNS: sns.NewFromConfig(cfg), Secrets: secretsmanager.NewFromConfig(smCfg), Logger: slog.New(slog.NewJSONHandler(f.logs, nil))}
	return f
}

const (
	eventTopic = "arn:aws:sns:ap-northeast-2:123456789012:push-events"
	logRole    = "arn:aws:iam::123456789012:role/push-delivery-status"
)

func fcmProps() map[string]any {
	return map[string]any{"ServiceToken": "arn:aws:lambda:x", "Name": "game-fcm", "Platform": "GCM", "SecretId": "gureum/push/fcm",
		"EventTopicArn": eventTopic, "SuccessFeedbackRoleArn": logRole, "FailureFeedbackRoleArn": logRole, "SuccessFeedbackSampleRate": "10"}
}

func apnsProps(platform string) map[string]any {
	return map[string]any{"Name": "game-apns", "Platform": platform, "SecretId": "gureum/push/apns",
		"SigningKeyId": "ABC123DEFG", "TeamId": "TEAM123456", "BundleId": "com.gureum.game",
		"EventTopicArn": eventTopic, "SuccessFeedbackRoleArn": logRole, "FailureFeedbackRoleArn": logRole, "SuccessFeedbackSampleRate": "0"}
}

// neverLeaks fails when a credential appears in a response, an error or the
// logs.
func (f *fixture) neverLeaks(t *testing.T, outputs ...string) {
	t.Helper()
	for name, secret := range f.secrets {
		for _, line := range append([]string{secret}, strings.Split(secret, "\n")...) {
			if len(strings.TrimSpace(line)) < 16 {
				continue
			}
			for _, out := range append(outputs, f.logs.String()) {
				if strings.Contains(out, strings.TrimSpace(line)) {
					t.Errorf("secret %s leaked: %.80q", name, out)
				}
			}
		}
	}
}

func TestFCMLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: fcmProps()})
	if err != nil {
		t.Fatal(err)
	}
	arn := snsquery.AppArn("GCM", "game-fcm")
	if resp.PhysicalResourceID != arn || resp.Data["Arn"] != arn {
		t.Fatalf("response %+v, want the application ARN", resp)
	}
	app := f.sns.Apps()[arn]
	want := map[string]string{
		"PlatformCredential": f.secrets["gureum/push/fcm"], "EventDeliveryFailure": eventTopic, "EventEndpointUpdated": eventTopic,
		"SuccessFeedbackRoleArn": logRole, "FailureFeedbackRoleArn": logRole, "SuccessFeedbackSampleRate": "10",
	}
	for k, v := range want {
		if app.Attributes[k] != v {
			t.Errorf("attribute %s = %.60q, want %.60q", k, app.Attributes[k], v)
		}
	}
	if _, ok := app.Attributes["PlatformPrincipal"]; ok {
		t.Error("FCM has no PlatformPrincipal")
	}

	// A rotated key: the same application gets the new credential.
	f.secrets["gureum/push/fcm"] = serviceAccount(t)
	props := fcmProps()
	props["CredentialVersion"] = "2"
	resp, err = f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: arn, ResourceProperties: props, OldResourceProperties: fcmProps()})
	if err != nil || resp.PhysicalResourceID != arn {
		t.Fatalf("update: %+v %v, want the same ARN", resp, err)
	}
	if f.sns.Apps()[arn].Attributes["PlatformCredential"] != f.secrets["gureum/push/fcm"] {
		t.Error("update did not send the rotated credential")
	}
	if f.sns.Count("SetPlatformApplicationAttributes") != 1 {
		t.Errorf("SetPlatformApplicationAttributes called %d times", f.sns.Count("SetPlatformApplicationAttributes"))
	}

	for i := 0; i < 2; i++ { // deleting twice succeeds (CloudFormation retries deletes)
		if _, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: arn, ResourceProperties: fcmProps()}); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if _, ok := f.sns.Apps()[arn]; ok {
		t.Error("application not deleted")
	}
	f.neverLeaks(t, fmt.Sprint(resp))
}

func TestAPNSSandboxToProduction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: apnsProps("APNS_SANDBOX")})
	if err != nil {
		t.Fatal(err)
	}
	sandbox := resp.PhysicalResourceID
	if sandbox != snsquery.AppArn("APNS_SANDBOX", "game-apns") {
		t.Fatalf("ARN %s", sandbox)
	}
	app := f.sns.Apps()[sandbox]
	for k, v := range map[string]string{"PlatformPrincipal": "ABC123DEFG", "ApplePlatformTeamID": "TEAM123456",
		"ApplePlatformBundleID": "com.gureum.game", "PlatformCredential": f.secrets["gureum/push/apns"]} {
		if app.Attributes[k] != v {
			t.Errorf("%s = %.40q, want %.40q", k, app.Attributes[k], v)
		}
	}
	// Production is a new application; CloudFormation then deletes the old.
	resp, err = f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: sandbox,
		ResourceProperties: apnsProps("APNS"), OldResourceProperties: apnsProps("APNS_SANDBOX")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.PhysicalResourceID != snsquery.AppArn("APNS", "game-apns") {
		t.Errorf("production ARN %s", resp.PhysicalResourceID)
	}
	if _, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: sandbox}); err != nil {
		t.Fatal(err)
	}
	apps := f.sns.Apps()
	if _, ok := apps[sandbox]; ok || len(apps) != 1 {
		t.Errorf("applications after the switch: %v", apps)
	}
	f.neverLeaks(t, fmt.Sprint(resp))
}

func TestBadInputFailsWithoutQuotingTheSecret(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		props map[string]any
		want  string
	}{
		"FCM secret is a password": {map[string]any{"Name": "a", "Platform": "GCM", "SecretId": "not-a-key"}, "not a service account JSON key file"},
		"APNs secret is the FCM key": {func() map[string]any {
			p := apnsProps("APNS")
			p["SecretId"] = "gureum/push/fcm"
			return p
		}(), "not a .p8 signing key"},
		"no such secret":    {map[string]any{"Name": "a", "Platform": "GCM", "SecretId": "missing"}, "ResourceNotFoundException"},
		"bad platform":      {map[string]any{"Name": "a", "Platform": "WNS", "SecretId": "x"}, "Platform \"WNS\""},
		"bad apple ids":     {map[string]any{"Name": "a", "Platform": "APNS", "SecretId": "x", "SigningKeyId": "short"}, "SigningKeyId"},
		"bad name":          {map[string]any{"Name": "a b", "Platform": "GCM", "SecretId": "x"}, "Name \"a b\""},
		"FCM key wrong PEM": {map[string]any{"Name": "a", "Platform": "GCM", "SecretId": "gureum/push/apns"}, "not a service account"},
	} {
		_, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: tc.props})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, tc.want)
			continue
		}
		f.neverLeaks(t, err.Error())
	}
	if f.sns.Count("CreatePlatformApplication") != 0 {
		t.Error("a bad credential reached SNS")
	}
	// A delete of a resource whose create failed touches nothing.
	if _, err := f.h.Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: "2026/12/05/[$LATEST]abc"}); err != nil {
		t.Error(err)
	}
	if len(f.sns.Calls()) != 0 {
		t.Errorf("SNS calls: %v", f.sns.Calls())
	}
}

func TestRedact(t *testing.T) {
	key := p8(t)
	lines := strings.Split(strings.TrimSpace(key), "\n")
	err := redact(errors.New("SNS said: invalid key "+lines[1]+" in "+key), key)
	if strings.Contains(err.Error(), lines[1]) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("redact left the key: %v", err)
	}
	plain := errors.New("throttled")
	if redact(plain, key) != plain {
		t.Error("an error without the key was rewritten")
	}
}
