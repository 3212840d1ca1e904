package scaledwebtier

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// The server's paths, user and unit are those of the webpipeline
// construct's deployment bundle, so a pipeline can take over releases from
// the user data: it replaces the binary and the unit and keeps the
// environment file the user data wrote.
const (
	installDir  = "/opt/gureum/webapp"
	binary      = installDir + "/bin/webapp"
	envFile     = "/etc/gureum/webapp.env"
	serviceName = "gureum-webapp"
	serviceUser = "gureum-webapp"
)

// systemdUnit runs the server as an unprivileged user, hardened; it may bind
// port 80 (stages 1-2) through CAP_NET_BIND_SERVICE only.
const systemdUnit = `[Unit]
Description=gureum web tier server
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=-` + envFile + `
ExecStart=` + binary + `
User=` + serviceUser + `
Group=` + serviceUser + `
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
Restart=always
RestartSec=2
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target`

// finishUserData writes the boot script once the environment is complete:
// download the binary, write the environment file (INSTANCE_ID from IMDSv2;
// secrets fetched from Secrets Manager, never written in the user data), and
// start the systemd unit.
func (x *ScaledWebTier) finishUserData() {
	ud := awsec2.UserData_ForLinux(nil)
	region := *x.stack().Region()
	cmds := []string{
		"set -euo pipefail",
		"id " + serviceUser + " >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin " + serviceUser,
		"install -d -m 0755 " + installDir + "/bin /etc/gureum",
		fmt.Sprintf("for i in 1 2 3 4 5 6 7 8 9 10; do aws s3 cp --region %s %s %s && break; sleep 6; done", region, *x.AppAsset.S3ObjectUrl(), binary),
		"chmod 0755 " + binary,
		`TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")`,
		`INSTANCE_ID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)`,
		"umask 0027",
		"cat > " + envFile + " <<'GUREUM_ENV'\n" + quoteEnv(x.AppEnvironment) + "GUREUM_ENV",
		`echo "INSTANCE_ID=$INSTANCE_ID" >> ` + envFile,
	}
	if x.CacheAuthToken != nil {
		cmds = append(cmds,
			fmt.Sprintf(`REDIS_PASSWORD=$(aws secretsmanager get-secret-value --region %s --secret-id %s --query SecretString --output text)`, region, *x.CacheAuthToken.SecretArn()),
			`printf 'REDIS_PASSWORD=%s\n' "$REDIS_PASSWORD" >> `+envFile,
		)
	}
	cmds = append(cmds,
		"chgrp "+serviceUser+" "+envFile+" && chmod 0640 "+envFile,
		"cat > /etc/systemd/system/"+serviceName+".service <<'GUREUM_UNIT'\n"+systemdUnit+"\nGUREUM_UNIT",
		"systemctl daemon-reload",
		"systemctl enable --now "+serviceName,
	)
	ud.AddCommands(*jsii.Strings(cmds...)...)
	x.UserData = ud
}

func instanceType(c *config) awsec2.InstanceType {
	return awsec2.NewInstanceType(jsii.String(c.InstanceType))
}

func machineImage() awsec2.IMachineImage {
	return awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
		CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
	})
}

func rootVolume(c *config) *[]*awsec2.BlockDevice {
	gib := c.VolumeGiB
	return &[]*awsec2.BlockDevice{{
		DeviceName: jsii.String("/dev/xvda"),
		Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(gib)), &awsec2.EbsDeviceOptions{
			Encrypted:           jsii.Bool(true),
			VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
			DeleteOnTermination: jsii.Bool(true),
		}),
	}}
}

// newSingleServer is stages 1-2: one instance in a public subnet with an
// Elastic IP.
func (x *ScaledWebTier) newSingleServer(c *config) {
	x.Instance = awsec2.NewInstance(x.Construct, jsii.String("Server"), &awsec2.InstanceProps{
		Vpc:                       x.Vpc,
		VpcSubnets:                x.publicSubnets(),
		InstanceType:              instanceType(c),
		MachineImage:              machineImage(),
		Role:                      x.Role,
		SecurityGroup:             x.ServerSecurityGroup,
		UserData:                  x.UserData,
		UserDataCausesReplacement: jsii.Bool(true),
		RequireImdsv2:             jsii.Bool(true),
		DetailedMonitoring:        jsii.Bool(true),
		BlockDevices:              rootVolume(c),
	})
	nag.Suppress(x.Instance, "AwsSolutions-EC29",
		"The server keeps no state (the binary comes from S3, sessions are in memory, data is in the database from stage 2); termination protection would stop the stack from replacing it when the user data changes or the tier moves to stage 3.")
	x.ElasticIP = awsec2.NewCfnEIP(x.Construct, jsii.String("ElasticIp"), &awsec2.CfnEIPProps{
		Domain:     jsii.String("vpc"),
		InstanceId: x.Instance.InstanceId(),
	})
}

// newFleet is stage 3 and above: an Auto Scaling group in private subnets
// behind an HTTPS load balancer across the AZs.
func (x *ScaledWebTier) newFleet(c *config) {
	x.LaunchTemplate = awsec2.NewLaunchTemplate(x.Construct, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:            instanceType(c),
		MachineImage:            machineImage(),
		Role:                    x.Role,
		SecurityGroup:           x.ServerSecurityGroup,
		UserData:                x.UserData,
		RequireImdsv2:           jsii.Bool(true),
		HttpPutResponseHopLimit: jsii.Number(1),
		DetailedMonitoring:      jsii.Bool(true),
		BlockDevices:            rootVolume(c),
	})
	min, max := c.Capacity.Min, c.Capacity.Max
	inService := min
	if inService >= max {
		inService = max - 1
	}
	asgProps := &awsautoscaling.AutoScalingGroupProps{
		Vpc:            x.Vpc,
		VpcSubnets:     x.appSubnets(),
		LaunchTemplate: x.LaunchTemplate,
		MinCapacity:    jsii.Number(float64(min)),
		MaxCapacity:    jsii.Number(float64(max)),
		HealthChecks: awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     awscdk.Duration_Minutes(jsii.Number(3)),
		}),
		DefaultInstanceWarmup: awscdk.Duration_Minutes(jsii.Number(2)),
		GroupMetrics:          &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		UpdatePolicy: awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(float64(inService)),
			PauseTime:             awscdk.Duration_Minutes(jsii.Number(5)),
		}),
	}
	asgProps.Notifications = &[]*awsautoscaling.NotificationConfiguration{{Topic: x.AlarmTopic, ScalingEvents: awsautoscaling.ScalingEvents_ALL()}}
	x.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(x.Construct, jsii.String("Fleet"), asgProps)
	if x.AlarmTopicKey != nil {
		// Auto Scaling publishes with its service-linked role, which a
		// customer-managed key must admit, or the notifications are lost.
		alarmtopic.AllowAutoScaling(x.AlarmTopicKey)
	}

	x.LoadBalancerSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Load balancer of " + *x.Node().Path() + ": HTTPS (and HTTP, redirected) from anywhere"),
		AllowAllOutbound: jsii.Bool(false),
	})
	x.LoadBalancerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from anywhere"), nil)
	x.LoadBalancerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP from anywhere, redirected to HTTPS"), nil)
	nag.Suppress(x.LoadBalancerSecurityGroup, "AwsSolutions-EC23",
		"The internet-facing load balancer serves the public web site: only 443 and 80 (which redirects to 443) are open.")

	x.LoadBalancerLogsBucket = securebucket.New(x.Construct, "LoadBalancerLogs", securebucket.Props{
		AccessLogs: x.AccessLogsBucket,
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:         jsii.String("expire-load-balancer-logs"),
			Expiration: days(c.AccessLogExpiry),
		}},
	})
	x.LoadBalancer = awselasticloadbalancingv2.NewApplicationLoadBalancer(x.Construct, jsii.String("LoadBalancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc:                     x.Vpc,
		VpcSubnets:              x.publicSubnets(),
		InternetFacing:          jsii.Bool(true),
		SecurityGroup:           x.LoadBalancerSecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	x.LoadBalancer.LogAccessLogs(x.LoadBalancerLogsBucket, jsii.String("alb"))

	d := c.Domain
	x.Certificate = d.Certificate
	if x.Certificate == nil {
		x.Certificate = awscertificatemanager.NewCertificate(x.Construct, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(d.Name),
			Validation: awscertificatemanager.CertificateValidation_FromDns(d.HostedZone),
		})
	}

	tgProps := &awselasticloadbalancingv2.ApplicationTargetGroupProps{
		Vpc:        x.Vpc,
		Port:       jsii.Number(float64(c.AppPort)),
		Protocol:   awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		TargetType: awselasticloadbalancingv2.TargetType_INSTANCE,
		Targets:    &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{x.AutoScalingGroup},
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{
			Path:                    jsii.String(c.HealthCheckPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(30)),
	}
	if c.sticky {
		tgProps.StickinessCookieDuration = awscdk.Duration_Seconds(jsii.Number(c.StickySessionDuration.Seconds()))
	}
	x.TargetGroup = awselasticloadbalancingv2.NewApplicationTargetGroup(x.Construct, jsii.String("TargetGroup"), tgProps)

	x.HTTPSListener = x.LoadBalancer.AddListener(jsii.String("Https"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:                jsii.Number(443),
		Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Certificates:        &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromCertificateManager(x.Certificate)},
		SslPolicy:           awselasticloadbalancingv2.SslPolicy_RECOMMENDED_TLS,
		Open:                jsii.Bool(false),
		DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{x.TargetGroup},
	})
	x.HTTPListener = x.LoadBalancer.AddListener(jsii.String("Http"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:     jsii.Number(80),
		Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		Open:     jsii.Bool(false),
		DefaultAction: awselasticloadbalancingv2.ListenerAction_Redirect(&awselasticloadbalancingv2.RedirectOptions{
			Protocol:  jsii.String("HTTPS"),
			Port:      jsii.String("443"),
			Permanent: jsii.Bool(true),
		}),
	})

	if c.Stage >= Elastic {
		cpu, rpt := c.Capacity.TargetCPUPercent, c.Capacity.RequestsPerTarget
		x.CPUScalingPolicy = x.AutoScalingGroup.ScaleOnCpuUtilization(jsii.String("CpuScaling"), &awsautoscaling.CpuUtilizationScalingProps{
			TargetUtilizationPercent: jsii.Number(cpu),
		})
		x.RequestCountScalingPolicy = x.AutoScalingGroup.ScaleOnRequestCount(jsii.String("RequestScaling"), &awsautoscaling.RequestCountScalingProps{
			TargetRequestsPerMinute: jsii.Number(float64(rpt)),
		})
	}
}
