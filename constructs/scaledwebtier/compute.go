package scaledwebtier

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
	"github.com/gureum-cdk/gureum/constructs/internal/webacl"
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
func (x *ScaledWebTier) finishUserData(c *config) {
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
	}
	if _, direct := x.AppEnvironment["DB_TLS_CA_FILE"]; direct {
		// A direct connection verifies the cluster's certificate against
		// the RDS CA bundle (AWS's trust store, over HTTPS).
		cmds = append(cmds,
			fmt.Sprintf("for i in 1 2 3 4 5 6 7 8 9 10; do curl -fsS --max-time 30 -o %[1]s.tmp %[2]s && break; sleep 6; done", RDSCABundleFile, RDSCABundleURL),
			fmt.Sprintf("grep -q 'BEGIN CERTIFICATE' %s.tmp", RDSCABundleFile),
			fmt.Sprintf("install -m 0644 %[1]s.tmp %[1]s", RDSCABundleFile),
			fmt.Sprintf("rm -f %s.tmp", RDSCABundleFile),
		)
	}
	cmds = append(cmds,
		"umask 0027",
		"cat > "+envFile+" <<'GUREUM_ENV'\n"+quoteEnv(x.AppEnvironment)+"GUREUM_ENV",
		`echo "INSTANCE_ID=$INSTANCE_ID" >> `+envFile,
	)
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
	if c.Capacity.WarmPool != nil {
		// The group holds each new server until the app runs: when it is
		// launched into the warm pool (which stops it at once otherwise)
		// and when it leaves the pool, whose restart runs no user data. A
		// unit completes the launch hook on every boot, after the app.
		cmds = append(cmds,
			"cat > "+completeScript+" <<'GUREUM_HOOK'\n"+completeLaunch(region)+"GUREUM_HOOK",
			"chmod 0755 "+completeScript,
			"cat > /etc/systemd/system/"+completeUnitName+".service <<'GUREUM_UNIT'\n"+completeUnit+"\nGUREUM_UNIT",
			"systemctl daemon-reload",
			"systemctl enable --now "+completeUnitName,
		)
	}
	ud.AddCommands(*jsii.Strings(cmds...)...)
	x.UserData = ud
}

// The launch hook's completion (Capacity.WarmPool).
const (
	completeScript   = "/usr/local/sbin/gureum-complete-launch"
	completeUnitName = "gureum-complete-launch"
	completeUnit     = `[Unit]
Description=Complete the Auto Scaling launch hook once gureum-webapp runs
Wants=network-online.target
After=network-online.target ` + serviceName + `.service

[Service]
Type=oneshot
ExecStart=` + completeScript + `

[Install]
WantedBy=multi-user.target`
)

// completeLaunch is the script that completes LaunchHookName for this
// instance; no pending action (a reboot in service) is not an error.
func completeLaunch(region string) string {
	return `#!/bin/bash
set -uo pipefail
TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
ID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)
GROUP=$(aws autoscaling describe-auto-scaling-instances --region ` + region + ` --instance-ids "$ID" --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)
aws autoscaling complete-lifecycle-action --region ` + region + ` --auto-scaling-group-name "$GROUP" --lifecycle-hook-name ` + LaunchHookName + ` --instance-id "$ID" --lifecycle-action-result CONTINUE || true
`
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
// behind an HTTPS load balancer across the AZs, with its web ACL.
func (x *ScaledWebTier) newFleet(c *config) {
	k := c.Capacity
	ltProps := &awsec2.LaunchTemplateProps{
		InstanceType:            instanceType(c),
		MachineImage:            machineImage(),
		Role:                    x.Role,
		SecurityGroup:           x.ServerSecurityGroup,
		UserData:                x.UserData,
		RequireImdsv2:           jsii.Bool(true),
		HttpPutResponseHopLimit: jsii.Number(1),
		DetailedMonitoring:      jsii.Bool(true),
		BlockDevices:            rootVolume(c),
	}
	if k.WarmPool != nil && k.WarmPool.State == WarmHibernated {
		ltProps.HibernationConfigured = jsii.Bool(true)
	}
	x.LaunchTemplate = awsec2.NewLaunchTemplate(x.Construct, jsii.String("LaunchTemplate"), ltProps)
	min, max := k.Min, k.Max
	asgProps := &awsautoscaling.AutoScalingGroupProps{
		Vpc:         x.Vpc,
		VpcSubnets:  x.appSubnets(),
		MinCapacity: jsii.Number(float64(min)),
		MaxCapacity: jsii.Number(float64(max)),
		HealthChecks: awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     awscdk.Duration_Minutes(jsii.Number(3)),
		}),
		DefaultInstanceWarmup: awscdk.Duration_Minutes(jsii.Number(2)),
		GroupMetrics:          &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
	}
	if sp := k.Spot; sp != nil {
		var overrides []*awsautoscaling.LaunchTemplateOverrides
		for _, t := range sp.InstanceTypes {
			overrides = append(overrides, &awsautoscaling.LaunchTemplateOverrides{InstanceType: awsec2.NewInstanceType(jsii.String(t))})
		}
		asgProps.MixedInstancesPolicy = &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate:          x.LaunchTemplate,
			LaunchTemplateOverrides: &overrides,
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandAllocationStrategy:          awsautoscaling.OnDemandAllocationStrategy_PRIORITIZED,
				OnDemandBaseCapacity:                jsii.Number(float64(c.onDemandBase)),
				OnDemandPercentageAboveBaseCapacity: jsii.Number(float64(sp.OnDemandPercentAboveBase)),
				SpotAllocationStrategy:              awsautoscaling.SpotAllocationStrategy_PRICE_CAPACITY_OPTIMIZED,
			},
		}
		// Replace a Spot server EC2 signals is at risk before it is
		// reclaimed.
		asgProps.CapacityRebalance = jsii.Bool(true)
	} else {
		asgProps.LaunchTemplate = x.LaunchTemplate
	}
	if k.Updates == RollingUpdate {
		inService := min
		if inService >= max {
			inService = max - 1
		}
		asgProps.UpdatePolicy = awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(float64(inService)),
			PauseTime:             awscdk.Duration_Minutes(jsii.Number(5)),
		})
	}
	asgProps.Notifications = &[]*awsautoscaling.NotificationConfiguration{{Topic: x.AlarmTopic, ScalingEvents: awsautoscaling.ScalingEvents_ALL()}}
	x.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(x.Construct, jsii.String("Fleet"), asgProps)
	if k.Spot != nil {
		nag.Suppress(x.AutoScalingGroup, "CdkNagValidationFailure",
			"AwsSolutions-EC26 cannot read the launch template through the mixed instances policy's reference; the template's only volume, the root volume, is encrypted (rootVolume).",
			"AwsSolutions-EC26")
	}
	if x.AlarmTopicKey != nil {
		// Auto Scaling publishes with its service-linked role, which a
		// customer-managed key must admit, or the notifications are lost.
		alarmtopic.AllowAutoScaling(x.AlarmTopicKey)
	}
	x.newGroupOptions(c)

	if c.CDN.Dynamic {
		x.OriginSecret = awssecretsmanager.NewSecret(x.Construct, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("Value of the " + OriginVerifyHeader + " header CloudFront sends to the load balancer of " + *x.Node().Path()),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength: jsii.Number(48),
				// Letters and digits only: a listener rule reads * and ? as
				// wildcards.
				ExcludePunctuation: jsii.Bool(true),
			},
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		nag.Suppress(x.OriginSecret, "AwsSolutions-SMG4",
			"The origin header's value is read by CloudFormation into the distribution and the listener rule when the stack deploys; a rotation would leave both on the old value until the next deployment. Rotate by updating the secret and deploying.")
	}
	x.newLoadBalancerSecurityGroup(c)

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
		DeletionProtection:      jsii.Bool(!c.DisableLoadBalancerDeletionProtection),
	})
	x.LoadBalancer.LogAccessLogs(x.LoadBalancerLogsBucket, jsii.String("alb"))
	x.newLoadBalancerWAF(c)

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

	httpsProps := &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:                jsii.Number(443),
		Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Certificates:        &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromCertificateManager(x.Certificate)},
		SslPolicy:           awselasticloadbalancingv2.SslPolicy_RECOMMENDED_TLS,
		Open:                jsii.Bool(false),
		DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{x.TargetGroup},
	}
	if c.CDN.Dynamic {
		// Only requests that carry CloudFront's secret header reach the
		// servers; anything else that gets past the security group is
		// refused by the listener.
		httpsProps.DefaultTargetGroups = nil
		httpsProps.DefaultAction = awselasticloadbalancingv2.ListenerAction_FixedResponse(jsii.Number(403), &awselasticloadbalancingv2.FixedResponseOptions{
			ContentType: jsii.String("text/plain"), MessageBody: jsii.String("Forbidden"),
		})
	}
	x.HTTPSListener = x.LoadBalancer.AddListener(jsii.String("Https"), httpsProps)
	if c.CDN.Dynamic {
		x.HTTPSListener.AddTargetGroups(jsii.String("FromCloudFront"), &awselasticloadbalancingv2.AddApplicationTargetGroupsProps{
			Priority:     jsii.Number(1),
			Conditions:   &[]awselasticloadbalancingv2.ListenerCondition{awselasticloadbalancingv2.ListenerCondition_HttpHeader(jsii.String(OriginVerifyHeader), &[]*string{x.OriginSecret.SecretValue().UnsafeUnwrap()})},
			TargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{x.TargetGroup},
		})
	} else {
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
	}

	if c.Stage >= Elastic {
		cpu, rpt := k.TargetCPUPercent, k.RequestsPerTarget
		x.CPUScalingPolicy = x.AutoScalingGroup.ScaleOnCpuUtilization(jsii.String("CpuScaling"), &awsautoscaling.CpuUtilizationScalingProps{
			TargetUtilizationPercent: jsii.Number(cpu),
		})
		x.RequestCountScalingPolicy = x.AutoScalingGroup.ScaleOnRequestCount(jsii.String("RequestScaling"), &awsautoscaling.RequestCountScalingProps{
			TargetRequestsPerMinute: jsii.Number(float64(rpt)),
		})
	}
}

// newLoadBalancerSecurityGroup opens the load balancer to the internet on
// 443 and 80 (redirected), or with CDN.Dynamic to CloudFront's
// origin-facing addresses on 443 only.
func (x *ScaledWebTier) newLoadBalancerSecurityGroup(c *config) {
	desc := "Load balancer of " + *x.Node().Path() + ": HTTPS (and HTTP, redirected) from anywhere"
	if c.CDN.Dynamic {
		desc = "Load balancer of " + *x.Node().Path() + ": HTTPS from CloudFront only"
	}
	x.LoadBalancerSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String(desc),
		AllowAllOutbound: jsii.Bool(false),
	})
	if c.CDN.Dynamic {
		x.OriginPrefixListID = c.CDN.OriginPrefixListID
		if x.OriginPrefixListID == "" {
			x.OriginPrefixListID = x.lookUpOriginPrefixList()
		}
		x.LoadBalancerSecurityGroup.AddIngressRule(awsec2.Peer_PrefixList(jsii.String(x.OriginPrefixListID)), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from CloudFront's origin-facing addresses"), nil)
		return
	}
	x.LoadBalancerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from anywhere"), nil)
	x.LoadBalancerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP from anywhere, redirected to HTTPS"), nil)
	nag.Suppress(x.LoadBalancerSecurityGroup, "AwsSolutions-EC23",
		"The internet-facing load balancer serves the public web site: only 443 and 80 (which redirects to 443) are open.")
}

// newLoadBalancerWAF associates the load balancer's web ACL: a new one
// from WAF's rule set, or WAF.ExistingWebACLArn.
func (x *ScaledWebTier) newLoadBalancerWAF(c *config) {
	if c.WAF.Disable {
		return
	}
	x.WebACLArn = c.WAF.ExistingWebACLArn
	if c.waf {
		x.WebACL = newWebACL(x.Construct, "WebACL", webacl.Regional, c, c.CDN.Dynamic)
		x.WebACLArn = *x.WebACL.ACL.AttrArn()
	}
	x.WebACLAssociation = awswafv2.NewCfnWebACLAssociation(x.Construct, jsii.String("WebACLAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: x.LoadBalancer.LoadBalancerArn(),
		WebAclArn:   jsii.String(x.WebACLArn),
	})
}

// newGroupOptions adds what Capacity asks of the group beyond its size: a
// warm pool and its launch hook, scheduled actions, and the instance
// refresh.
func (x *ScaledWebTier) newGroupOptions(c *config) {
	k := c.Capacity
	if w := k.WarmPool; w != nil {
		x.WarmPool = x.AutoScalingGroup.AddWarmPool(&awsautoscaling.WarmPoolOptions{
			MinSize:                  jsii.Number(float64(w.MinSize)),
			MaxGroupPreparedCapacity: jsii.Number(float64(w.MaxPreparedCapacity)),
			PoolState:                map[WarmState]awsautoscaling.PoolState{WarmStopped: awsautoscaling.PoolState_STOPPED, WarmRunning: awsautoscaling.PoolState_RUNNING, WarmHibernated: awsautoscaling.PoolState_HIBERNATED}[w.State],
			ReuseOnScaleIn:           jsii.Bool(w.ReuseOnScaleIn),
		})
		x.LaunchHook = x.AutoScalingGroup.AddLifecycleHook(jsii.String("AppInstalled"), &awsautoscaling.BasicLifecycleHookProps{
			LifecycleHookName:   jsii.String(LaunchHookName),
			LifecycleTransition: awsautoscaling.LifecycleTransition_INSTANCE_LAUNCHING,
			DefaultResult:       awsautoscaling.DefaultResult_ABANDON,
			HeartbeatTimeout:    awscdk.Duration_Minutes(jsii.Number(10)),
		})
		x.allowLaunchHook()
	}
	x.ScheduledActions = map[string]awsautoscaling.ScheduledAction{}
	for _, sc := range k.Schedules {
		props := &awsautoscaling.BasicScheduledActionProps{Schedule: awsautoscaling.Schedule_Expression(jsii.String(sc.Cron))}
		if sc.TimeZone != "" {
			props.TimeZone = jsii.String(sc.TimeZone)
		}
		num := func(n *int) *float64 {
			if n == nil {
				return nil
			}
			return jsii.Number(float64(*n))
		}
		props.MinCapacity, props.MaxCapacity, props.DesiredCapacity = num(sc.Min), num(sc.Max), num(sc.Desired)
		x.ScheduledActions[sc.Name] = x.AutoScalingGroup.ScaleOnSchedule(jsii.String(sc.Name), props)
	}
	if k.Updates == InstanceRefresh {
		x.newInstanceRefresh()
	}
}

// allowLaunchHook lets the servers find their group and complete the
// launch hook of their own group only.
func (x *ScaledWebTier) allowLaunchHook() {
	policy := awsiam.NewPolicy(x.Construct, jsii.String("LaunchHookPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{x.Role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("autoscaling:CompleteLifecycleAction"),
				Resources: jsii.Strings(x.groupArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Describe calls have no resource-level permissions.
				Actions:   jsii.Strings("autoscaling:DescribeAutoScalingInstances"),
				Resources: jsii.Strings("*"),
			}),
		},
	})
	nag.Suppress(policy, "AwsSolutions-IAM5",
		"A server reads which group it belongs to (DescribeAutoScalingInstances has no resource-level permissions) and completes the launch hook of that group, whose ARN holds a generated id.",
		"Resource::*", `/^Resource::arn:<AWS::Partition>:autoscaling:[a-z0-9-]+:\d{12}:autoScalingGroup:\*:autoScalingGroupName\/<`+x.groupLogicalID()+`>$/`)
}

// groupArn is the group's ARN with its generated id as a wildcard.
func (x *ScaledWebTier) groupArn() string {
	return *x.stack().FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("autoscaling"), Resource: jsii.String("autoScalingGroup"),
		ResourceName: jsii.String("*:autoScalingGroupName/" + *x.AutoScalingGroup.AutoScalingGroupName()),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

func (x *ScaledWebTier) groupLogicalID() string {
	return *x.stack().GetLogicalId(x.AutoScalingGroup.Node().DefaultChild().(awscdk.CfnElement))
}

// newInstanceRefresh starts an instance refresh whenever the launch
// template's version changes (the custom resource's LaunchTemplateVersion
// property): launch before terminate, keeping 100% healthy capacity,
// skipping servers already on the new template, and waiting out the
// group's default instance warmup.
func (x *ScaledWebTier) newInstanceRefresh() {
	x.InstanceRefresh = x.awsCall("InstanceRefresh", &customresources.AwsSdkCall{
		Service: jsii.String("AutoScaling"),
		Action:  jsii.String("StartInstanceRefresh"),
		Parameters: map[string]any{
			"AutoScalingGroupName": x.AutoScalingGroup.AutoScalingGroupName(),
			"Strategy":             "Rolling",
			"Preferences": map[string]any{
				"MinHealthyPercentage":      100,
				"MaxHealthyPercentage":      200,
				"SkipMatching":              true,
				"ScaleInProtectedInstances": "Ignore",
				"StandbyInstances":          "Ignore",
			},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("instance-refresh")),
	}, false, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:StartInstanceRefresh"),
		Resources: jsii.Strings(x.groupArn()),
	}))
	cfn := x.InstanceRefresh.Node().FindChild(jsii.String("Resource")).Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddPropertyOverride(jsii.String("LaunchTemplateVersion"), x.LaunchTemplate.LatestVersionNumber())
}

// lookUpOriginPrefixList finds the region's CloudFront origin-facing
// prefix list by name when the stack deploys.
func (x *ScaledWebTier) lookUpOriginPrefixList() string {
	call := &customresources.AwsSdkCall{
		Service: jsii.String("EC2"),
		Action:  jsii.String("DescribeManagedPrefixLists"),
		Parameters: map[string]any{
			"Filters": []any{map[string]any{"Name": "prefix-list-name", "Values": []any{CloudFrontOriginFacingPrefixList}}},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("PrefixLists.0.PrefixListId")),
		OutputPaths:        jsii.Strings("PrefixLists.0.PrefixListId"),
	}
	x.OriginPrefixListLookup = x.awsCall("OriginPrefixList", call, true, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// Describe calls have no resource-level permissions.
		Actions:   jsii.Strings("ec2:DescribeManagedPrefixLists"),
		Resources: jsii.Strings("*"),
	}))
	return *x.OriginPrefixListLookup.GetResponseField(jsii.String("PrefixLists.0.PrefixListId"))
}
