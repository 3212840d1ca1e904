package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestAWSConfigNeedsARegion(t *testing.T) {
	// No Region from the environment or a shared config file.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	if _, err := awsConfig(context.Background()); err == nil || !strings.Contains(err.Error(), "set AWS_REGION") {
		t.Errorf("awsConfig without a Region = %v, want an error that names AWS_REGION", err)
	}
	t.Setenv("AWS_DEFAULT_REGION", "ap-northeast-2")
	cfg, err := awsConfig(context.Background())
	if err != nil || cfg.Region != "ap-northeast-2" {
		t.Errorf("awsConfig with AWS_DEFAULT_REGION = %q, %v; want ap-northeast-2", cfg.Region, err)
	}
	t.Setenv("AWS_REGION", "us-east-1")
	if cfg, err := awsConfig(context.Background()); err != nil || cfg.Region != "us-east-1" {
		t.Errorf("awsConfig with AWS_REGION = %q, %v; want us-east-1 (AWS_REGION wins)", cfg.Region, err)
	}
}
