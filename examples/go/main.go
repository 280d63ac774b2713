// The owner stack of examples/stacks.ts, in Go: a SharedBucket with two consumer grants and a
// ThirdPartyAccessRole. Built by .ci/run against the Go module that jsii-pacmak generates, then
// synthesized through the CDK CLI:
//
//	npx projen package:go
//	(cd examples/go && go build -o ../../build/owner-go .)
//	npx cdk synth --app build/owner-go --output cdk.out.go
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cross-account-bucket/cdk-cross-account-bucket-go/cdkcrossaccountbucket"
)

const (
	owner      = "111111111111"
	consumer   = "222222222222"
	thirdParty = "333333333333"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("SharedBucketOwner"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(owner), Region: jsii.String("eu-west-1")},
	})

	shared := cdkcrossaccountbucket.NewSharedBucket(stack, jsii.String("SharedData"), &cdkcrossaccountbucket.SharedBucketProps{
		BucketName: jsii.String("cdk-cross-account-bucket-example-" + owner),
		Consumers: &[]*cdkcrossaccountbucket.ConsumerGrant{{
			AccountId:     jsii.String(consumer),
			Prefix:        jsii.String("analytics/"),
			PrincipalArns: jsii.Strings("arn:aws:iam::" + consumer + ":role/AnalyticsReader"),
		}},
	})
	shared.AddConsumer(&cdkcrossaccountbucket.ConsumerGrant{
		AccountId:     jsii.String(consumer),
		Prefix:        jsii.String("ingest/"),
		Access:        cdkcrossaccountbucket.AccessLevel_WRITE,
		AllowDelete:   jsii.Bool(true),
		PrincipalArns: jsii.Strings("arn:aws:iam::" + consumer + ":role/IngestWriter"),
	})

	cdkcrossaccountbucket.NewThirdPartyAccessRole(stack, jsii.String("VendorAccess"), &cdkcrossaccountbucket.ThirdPartyAccessRoleProps{
		SharedBucket:            shared,
		ThirdPartyAccountId:     jsii.String(thirdParty),
		ExternalId:              jsii.String("example-vendor-external-id"),
		ThirdPartyPrincipalArns: jsii.Strings("arn:aws:iam::" + thirdParty + ":role/VendorIntegration"),
		Prefix:                  jsii.String("vendor-exports/"),
		RoleName:                jsii.String("SharedDataVendorAccess"),
	})

	app.Synth(nil)
}
