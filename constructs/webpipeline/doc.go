// Package webpipeline provides WebPipeline: the automation around gureum's
// web tier. A CodePipeline (V2) takes the repository from GitHub (through an
// AWS CodeConnections connection) or from a zip in S3, CodeBuild vets, tests
// and compiles the Go web app (functions/webapp/server) for linux/arm64 on an
// Amazon Linux 2023 ARM image, and CodeDeploy rolls the bundle out to an EC2
// Auto Scaling group: in place, half of the instances at a time by default,
// or blue/green behind a load balancer. A deployment rolls back by itself
// when it fails, when it is stopped, or when one of the given CloudWatch
// alarms fires.
//
// ExampleNew is the use an app copies: a ScaledWebTier's Auto Scaling group,
// deployed from a GitHub branch, rolled back on the tier's 5xx or CPU alarm.
//
// The bundle the build produces holds bin/webapp, the systemd unit
// gureum-webapp.service and the AppSpec with its lifecycle scripts (files
// under deploy/, embedded and written by the buildspec): ApplicationStop
// stops the server gracefully, BeforeInstall creates the unprivileged user
// gureum-webapp, AfterInstall enables the unit, ApplicationStart restarts
// it, and ValidateService waits for GET /healthz to answer 200. The server
// reads its configuration from /etc/gureum/webapp.env (EnvFile), which the
// instances' user data writes (LISTEN_ADDR, SESSION_STORE, ...).
//
// The instances need the CodeDeploy agent: unless DisableAgentInstall is
// set, New appends InstallAgentCommands to the Auto Scaling group's user
// data. A construct that writes its own user data can call
// InstallAgentCommands itself and set DisableAgentInstall.
//
// A scaledwebtier.ScaledWebTier from stage 3 is such a group: give New its
// AutoScalingGroup, TargetGroup (traffic control) and alarms (Alarms["5xx"],
// ["UnhealthyHosts"], ["CPU"]). Its user data installs the release built at
// synth time under the bundle's paths and writes EnvFile; New appends the
// agent to that user data, and each release replaces the binary and the unit
// and keeps the environment file (stack GureumWebDeploy, and this package's
// Example).
//
// Artifacts are stored in a versioned, access-logged bucket encrypted with a
// customer-managed KMS key (yearly rotation); the build runs unprivileged,
// encrypted with the same key, and logs to a retained log group. Defaults
// live in defaults.go (withDefaults resolves them once); a field set in
// Props always wins over its default.
// Every resource made is an exported field of WebPipeline.
package webpipeline
