package snsquery

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// The server must refuse what the API Reference rules out, or the handler
// tests that rely on it prove nothing.
func TestServerEnforcesTheAPIReference(t *testing.T) {
	s := Start()
	defer s.Close()
	c := sns.NewFromConfig(s.Config())
	ctx := context.Background()
	app := s.AddApp("APNS", "app")

	out, err := c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app), Token: aws.String("ab12")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app), Token: aws.String("ab12")})
	if err != nil || aws.ToString(again.EndpointArn) != aws.ToString(out.EndpointArn) {
		t.Errorf("a known token made a new endpoint: %v %v", again, err)
	}
	_, err = c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app), Token: aws.String("ab12"), CustomUserData: aws.String("x")})
	var ip *types.InvalidParameterException
	if !errors.As(err, &ip) || !strings.Contains(aws.ToString(ip.Message), "already exists with the same Token, but different attributes") {
		t.Errorf("same token, other attributes: %v", err)
	}
	if _, err := c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app), Token: aws.String("not hex")}); !errors.As(err, &ip) {
		t.Errorf("a non-hex APNs token was accepted: %v", err)
	}

	before := len(s.Violations())
	_, err = c.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: out.EndpointArn, Attributes: map[string]string{"Enabled": "yes"}})
	if err == nil || len(s.Violations()) != before+1 {
		t.Errorf("Enabled=yes accepted: %v", err)
	}
	_, err = c.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: out.EndpointArn, Attributes: map[string]string{"Owner": "p"}})
	if err == nil || len(s.Violations()) != before+2 {
		t.Errorf("an undocumented endpoint attribute was accepted: %v", err)
	}
	_, err = c.CreatePlatformApplication(ctx, &sns.CreatePlatformApplicationInput{Name: aws.String("x"), Platform: aws.String("GCM"),
		Attributes: map[string]string{"PlatformCredential": "AIzaSyLegacyServerKey"}})
	if err == nil || len(s.Violations()) != before+3 {
		t.Errorf("a legacy FCM server key was accepted as an HTTP v1 credential: %v", err)
	}

	s.Disable(aws.ToString(out.EndpointArn))
	_, err = c.Publish(ctx, &sns.PublishInput{TargetArn: out.EndpointArn, Message: aws.String("hi")})
	var disabled *types.EndpointDisabledException
	if !errors.As(err, &disabled) {
		t.Errorf("publish to a disabled endpoint: %v", err)
	}
	_, err = c.Publish(ctx, &sns.PublishInput{TargetArn: out.EndpointArn, Message: aws.String(`{"APNS":"{}"}`), MessageStructure: aws.String("json")})
	if !errors.As(err, &ip) {
		t.Errorf("a json message without default was accepted: %v", err)
	}
	if _, err := c.DeleteEndpoint(ctx, &sns.DeleteEndpointInput{EndpointArn: out.EndpointArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: out.EndpointArn})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("a deleted endpoint: %v", err)
	}
}
