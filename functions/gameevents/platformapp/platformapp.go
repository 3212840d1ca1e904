// Package platformapp is the CloudFormation custom resource behind
// constructs/pushnotify's SNS platform applications (CloudFormation has no
// resource type for them). It runs as the onEvent handler of a CDK provider
// framework: Create, Update and Delete of one platform application for FCM
// (HTTP v1, a service account's JSON key) or APNs (token-based: a .p8 signing
// key, its key ID, the team ID and the bundle ID), production or sandbox.
//
// The credential never passes through CloudFormation: the resource's
// properties name the Secrets Manager secret that holds it, and the handler
// reads it itself on every Create and Update. The credential is checked
// before it is sent (a service account key file; an ECDSA P-256 PKCS#8 key)
// and never logged, returned or put in an error message.
package platformapp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNS is the part of the SNS client the handler uses.
type SNS interface {
	CreatePlatformApplication(ctx context.Context, in *sns.CreatePlatformApplicationInput, optFns ...func(*sns.Options)) (*sns.CreatePlatformApplicationOutput, error)
	SetPlatformApplicationAttributes(ctx context.Context, in *sns.SetPlatformApplicationAttributesInput, optFns ...func(*sns.Options)) (*sns.SetPlatformApplicationAttributesOutput, error)
	DeletePlatformApplication(ctx context.Context, in *sns.DeletePlatformApplicationInput, optFns ...func(*sns.Options)) (*sns.DeletePlatformApplicationOutput, error)
}

// Secrets is the part of the Secrets Manager client the handler uses.
type Secrets interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Platforms a resource may name.
const (
	PlatformFCM         = "GCM" // Firebase Cloud Messaging, as SNS names it
	PlatformAPNS        = "APNS"
	PlatformAPNSSandbox = "APNS_SANDBOX"
)

// Props are the custom resource's properties (all strings, as
// CloudFormation passes them). None of them is a credential.
type Props struct {
	// Name of the platform application. Required.
	Name string
	// Platform is GCM, APNS or APNS_SANDBOX. Required.
	Platform string
	// SecretID names the secret (name or ARN) whose SecretString is the
	// credential: the service account JSON for GCM, the .p8 key for APNs.
	SecretID string
	// SigningKeyID, TeamID and BundleID are APNs token-authentication
	// settings (required for APNs).
	SigningKeyID, TeamID, BundleID string
	// EventTopicArn receives the EventDeliveryFailure and
	// EventEndpointUpdated events.
	EventTopicArn string
	// SuccessFeedbackRoleArn and FailureFeedbackRoleArn let SNS write
	// delivery status logs; SuccessFeedbackSampleRate is 0-100.
	SuccessFeedbackRoleArn, FailureFeedbackRoleArn, SuccessFeedbackSampleRate string
	// CredentialVersion changes when the secret was rotated, so that
	// CloudFormation sends an Update that re-reads it.
	CredentialVersion string
}

var (
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	appleIDRE = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	bundleRE  = regexp.MustCompile(`^[A-Za-z0-9.-]{1,155}$`)
	appArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app/`)
)

// ParseProps reads and checks a resource's properties.
func ParseProps(m map[string]any) (Props, error) {
	s := func(k string) string {
		v, _ := m[k].(string)
		return v
	}
	p := Props{
		Name: s("Name"), Platform: s("Platform"), SecretID: s("SecretId"),
		SigningKeyID: s("SigningKeyId"), TeamID: s("TeamId"), BundleID: s("BundleId"),
		EventTopicArn:          s("EventTopicArn"),
		SuccessFeedbackRoleArn: s("SuccessFeedbackRoleArn"), FailureFeedbackRoleArn: s("FailureFeedbackRoleArn"),
		SuccessFeedbackSampleRate: s("SuccessFeedbackSampleRate"), CredentialVersion: s("CredentialVersion"),
	}
	var errs []error
	if !nameRE.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("Name %q must be 1-256 letters, digits, '_', '-' or '.'", p.Name))
	}
	if p.SecretID == "" {
		errs = append(errs, errors.New("SecretId is required"))
	}
	switch p.Platform {
	case PlatformFCM:
	case PlatformAPNS, PlatformAPNSSandbox:
		if !appleIDRE.MatchString(p.SigningKeyID) {
			errs = append(errs, fmt.Errorf("SigningKeyId %q is not a 10-character Apple key ID", p.SigningKeyID))
		}
		if !appleIDRE.MatchString(p.TeamID) {
			errs = append(errs, fmt.Errorf("TeamId %q is not a 10-character Apple team ID", p.TeamID))
		}
		if !bundleRE.MatchString(p.BundleID) {
			errs = append(errs, fmt.Errorf("BundleId %q is not a bundle identifier", p.BundleID))
		}
	default:
		errs = append(errs, fmt.Errorf("Platform %q must be GCM, APNS or APNS_SANDBOX", p.Platform))
	}
	return p, errors.Join(errs...)
}

// Response is what the provider framework's onEvent handler returns.
type Response struct {
	PhysicalResourceID string            `json:"PhysicalResourceId"`
	Data               map[string]string `json:"Data,omitempty"`
}

// Handler serves the custom resource's events.
type Handler struct {
	SNS     SNS
	Secrets Secrets
	Logger  *slog.Logger
}

// Handle creates, updates or deletes the platform application. Its
// physical id is the application's ARN; Data.Arn is the same.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (Response, error) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	if ev.RequestType == cfn.RequestDelete {
		return h.delete(ctx, ev.PhysicalResourceID, log)
	}
	p, err := ParseProps(ev.ResourceProperties)
	if err != nil {
		return Response{}, fmt.Errorf("platformapp: %w", err)
	}
	credential, err := h.credential(ctx, p)
	if err != nil {
		return Response{}, err
	}
	attrs := attributes(p, credential)
	if ev.RequestType == cfn.RequestUpdate && appArnRE.MatchString(ev.PhysicalResourceID) {
		old, _ := ParseProps(ev.OldResourceProperties)
		if old.Name == p.Name && old.Platform == p.Platform {
			_, err := h.SNS.SetPlatformApplicationAttributes(ctx, &sns.SetPlatformApplicationAttributesInput{
				PlatformApplicationArn: aws.String(ev.PhysicalResourceID), Attributes: attrs,
			})
			if err != nil {
				return Response{}, redact(fmt.Errorf("platformapp: update %s: %w", ev.PhysicalResourceID, err), credential)
			}
			log.InfoContext(ctx, "platform application updated", "arn", ev.PhysicalResourceID, "platform", p.Platform)
			return Response{PhysicalResourceID: ev.PhysicalResourceID, Data: map[string]string{"Arn": ev.PhysicalResourceID}}, nil
		}
		// A new name or platform (sandbox <-> production) is a new
		// application: CloudFormation deletes the old one afterwards.
	}
	out, err := h.SNS.CreatePlatformApplication(ctx, &sns.CreatePlatformApplicationInput{
		Name: aws.String(p.Name), Platform: aws.String(p.Platform), Attributes: attrs,
	})
	if err != nil {
		return Response{}, redact(fmt.Errorf("platformapp: create %s %s: %w", p.Platform, p.Name, err), credential)
	}
	arn := aws.ToString(out.PlatformApplicationArn)
	log.InfoContext(ctx, "platform application created", "arn", arn, "platform", p.Platform, "request", string(ev.RequestType))
	return Response{PhysicalResourceID: arn, Data: map[string]string{"Arn": arn}}, nil
}

func (h *Handler) delete(ctx context.Context, arn string, log *slog.Logger) (Response, error) {
	if !appArnRE.MatchString(arn) {
		// The create failed before SNS made anything.
		return Response{PhysicalResourceID: arn}, nil
	}
	_, err := h.SNS.DeletePlatformApplication(ctx, &sns.DeletePlatformApplicationInput{PlatformApplicationArn: aws.String(arn)})
	var nf *types.NotFoundException
	if err != nil && !errors.As(err, &nf) {
		return Response{}, fmt.Errorf("platformapp: delete %s: %w", arn, err)
	}
	log.InfoContext(ctx, "platform application deleted", "arn", arn)
	return Response{PhysicalResourceID: arn}, nil
}

// attributes are the SetPlatformApplicationAttributes attributes of p.
func attributes(p Props, credential string) map[string]string {
	a := map[string]string{"PlatformCredential": credential}
	if p.Platform != PlatformFCM {
		a["PlatformPrincipal"] = p.SigningKeyID
		a["ApplePlatformTeamID"] = p.TeamID
		a["ApplePlatformBundleID"] = p.BundleID
	}
	if p.EventTopicArn != "" {
		a["EventDeliveryFailure"] = p.EventTopicArn
		a["EventEndpointUpdated"] = p.EventTopicArn
	}
	if p.SuccessFeedbackRoleArn != "" {
		a["SuccessFeedbackRoleArn"] = p.SuccessFeedbackRoleArn
		a["SuccessFeedbackSampleRate"] = p.SuccessFeedbackSampleRate
	}
	if p.FailureFeedbackRoleArn != "" {
		a["FailureFeedbackRoleArn"] = p.FailureFeedbackRoleArn
	}
	return a
}

// credential reads and checks the secret. Its errors never quote it.
func (h *Handler) credential(ctx context.Context, p Props) (string, error) {
	out, err := h.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(p.SecretID)})
	if err != nil {
		return "", fmt.Errorf("platformapp: read secret %s: %w", p.SecretID, err)
	}
	v := aws.ToString(out.SecretString)
	if v == "" {
		return "", fmt.Errorf("platformapp: secret %s has no SecretString", p.SecretID)
	}
	if p.Platform == PlatformFCM {
		err = CheckServiceAccount(v)
	} else {
		err = CheckSigningKey(v)
	}
	if err != nil {
		return "", fmt.Errorf("platformapp: secret %s: %w", p.SecretID, err)
	}
	return v, nil
}

// CheckServiceAccount reports why v is not a Google service account JSON
// key file, the credential of FCM HTTP v1. It never quotes v.
func CheckServiceAccount(v string) error {
	var key struct {
		Type        string `json:"type"`
		ProjectID   string `json:"project_id"`
		PrivateKey  string `json:"private_key"`
		ClientEmail string `json:"client_email"`
	}
	if err := json.Unmarshal([]byte(v), &key); err != nil {
		return errors.New("is not a service account JSON key file (not JSON)")
	}
	if key.Type != "service_account" || key.ProjectID == "" || key.ClientEmail == "" {
		return errors.New(`is not a service account JSON key file (needs "type": "service_account", "project_id" and "client_email")`)
	}
	block, _ := pem.Decode([]byte(key.PrivateKey))
	if block == nil {
		return errors.New(`its "private_key" is not a PEM key`)
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		return errors.New(`its "private_key" is not a PKCS #8 private key`)
	}
	return nil
}

// CheckSigningKey reports why v is not an APNs token signing key (the .p8
// file: a PEM "PRIVATE KEY" holding an ECDSA P-256 key). It never quotes v.
func CheckSigningKey(v string) error {
	block, _ := pem.Decode([]byte(strings.TrimSpace(v)))
	if block == nil || block.Type != "PRIVATE KEY" {
		return errors.New("is not a .p8 signing key (a PEM PRIVATE KEY block)")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return errors.New("is not a .p8 signing key (not PKCS #8)")
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return errors.New("is not an APNs signing key (APNs keys are ECDSA P-256)")
	}
	return nil
}

// redact removes every occurrence of the credential, and of each of its
// longer lines, from an error's text.
func redact(err error, credential string) error {
	msg := err.Error()
	parts := []string{credential}
	for _, line := range strings.Split(credential, "\n") {
		if line = strings.TrimSpace(line); len(line) >= 16 {
			parts = append(parts, line)
		}
	}
	changed := false
	for _, s := range parts {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}
