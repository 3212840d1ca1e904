package devices

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNS is the part of the SNS client the package uses; *sns.Client satisfies
// it.
type SNS interface {
	CreatePlatformEndpoint(ctx context.Context, in *sns.CreatePlatformEndpointInput, optFns ...func(*sns.Options)) (*sns.CreatePlatformEndpointOutput, error)
	GetEndpointAttributes(ctx context.Context, in *sns.GetEndpointAttributesInput, optFns ...func(*sns.Options)) (*sns.GetEndpointAttributesOutput, error)
	SetEndpointAttributes(ctx context.Context, in *sns.SetEndpointAttributesInput, optFns ...func(*sns.Options)) (*sns.SetEndpointAttributesOutput, error)
	DeleteEndpoint(ctx context.Context, in *sns.DeleteEndpointInput, optFns ...func(*sns.Options)) (*sns.DeleteEndpointOutput, error)
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Platforms a device registers for, as clients name them.
const (
	PlatformFCM  = "fcm"
	PlatformAPNS = "apns"
)

// ErrBadToken is a token the push service refused (SNS InvalidParameter).
var ErrBadToken = errors.New("devices: the push service refused the token")

// Endpoints manages the SNS platform endpoints of device tokens.
type Endpoints struct {
	API SNS
	// Apps maps a platform (PlatformFCM, PlatformAPNS) to its platform
	// application's ARN; a platform without one cannot register.
	Apps map[string]string
}

// existingRE finds the endpoint SNS names when a token is already
// registered with other attributes.
var existingRE = regexp.MustCompile(`Endpoint (arn:aws[a-z-]*:sns:\S+) already exists`)

// Ensure returns an enabled endpoint carrying token on the platform's
// application, following SNS's documented registration procedure: reuse the
// known endpoint when it still exists, create one otherwise (CreatePlatformEndpoint
// returns the existing endpoint of a known token), then check its
// attributes and set the token and Enabled=true when either is stale (a
// disabled endpoint of a reinstalled app).
func (e *Endpoints) Ensure(ctx context.Context, platform, token, known string) (arn string, err error) {
	app := e.Apps[platform]
	if app == "" {
		return "", fmt.Errorf("devices: no platform application for %q", platform)
	}
	arn = known
	for attempt := 0; attempt < 2; attempt++ {
		if arn == "" {
			if arn, err = e.create(ctx, app, token); err != nil {
				return "", err
			}
		}
		out, err := e.API.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(arn)})
		var nf *types.NotFoundException
		if errors.As(err, &nf) {
			arn = "" // deleted since: create it again
			continue
		}
		if err != nil {
			return "", fmt.Errorf("devices: get endpoint attributes: %w", err)
		}
		if out.Attributes["Token"] != token || out.Attributes["Enabled"] != "true" {
			_, err := e.API.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{
				EndpointArn: aws.String(arn),
				Attributes:  map[string]string{"Token": token, "Enabled": "true"},
			})
			if errors.As(err, &nf) {
				arn = ""
				continue
			}
			if err != nil {
				return "", badToken("set endpoint attributes", err)
			}
		}
		return arn, nil
	}
	return "", errors.New("devices: the endpoint was deleted while it was registered twice in a row")
}

func (e *Endpoints) create(ctx context.Context, app, token string) (string, error) {
	out, err := e.API.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app), Token: aws.String(token)})
	if err != nil {
		var ip *types.InvalidParameterException
		if errors.As(err, &ip) {
			if m := existingRE.FindStringSubmatch(aws.ToString(ip.Message)); m != nil {
				return strings.TrimSuffix(m[1], "."), nil
			}
		}
		return "", badToken("create platform endpoint", err)
	}
	return aws.ToString(out.EndpointArn), nil
}

func badToken(op string, err error) error {
	var ip *types.InvalidParameterException
	if errors.As(err, &ip) {
		return fmt.Errorf("%w: %s: %s", ErrBadToken, op, aws.ToString(ip.Message))
	}
	return fmt.Errorf("devices: %s: %w", op, err)
}

// State reports whether the endpoint exists, whether it is enabled and its
// current token.
func (e *Endpoints) State(ctx context.Context, arn string) (exists, enabled bool, token string, err error) {
	out, err := e.API.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(arn)})
	var nf *types.NotFoundException
	switch {
	case errors.As(err, &nf):
		return false, false, "", nil
	case err != nil:
		return false, false, "", fmt.Errorf("devices: get endpoint attributes: %w", err)
	}
	return true, out.Attributes["Enabled"] == "true", out.Attributes["Token"], nil
}

// Delete deletes an endpoint; deleting one that is gone succeeds.
func (e *Endpoints) Delete(ctx context.Context, arn string) error {
	_, err := e.API.DeleteEndpoint(ctx, &sns.DeleteEndpointInput{EndpointArn: aws.String(arn)})
	var nf *types.NotFoundException
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("devices: delete endpoint: %w", err)
	}
	return nil
}
