package io.github.cdkcrossaccountbucket.examples;

import io.github.cdkcrossaccountbucket.AccessLevel;
import io.github.cdkcrossaccountbucket.ConsumerGrant;
import io.github.cdkcrossaccountbucket.SharedBucket;
import io.github.cdkcrossaccountbucket.ThirdPartyAccessRole;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;

/** The owner stack of examples/stacks.ts: a SharedBucket with two grants and a ThirdPartyAccessRole. */
public final class OwnerApp {
    private static final String OWNER = "111111111111";
    private static final String CONSUMER = "222222222222";
    private static final String THIRD_PARTY = "333333333333";

    private OwnerApp() {
    }

    public static void main(final String[] args) {
        App app = new App();
        Stack stack = new Stack(app, "SharedBucketOwner", StackProps.builder()
                .env(Environment.builder().account(OWNER).region("eu-west-1").build())
                .build());

        SharedBucket shared = SharedBucket.Builder.create(stack, "SharedData")
                .bucketName("cdk-cross-account-bucket-example-" + OWNER)
                .consumers(List.of(ConsumerGrant.builder()
                        .accountId(CONSUMER)
                        .prefix("analytics/")
                        .principalArns(List.of("arn:aws:iam::" + CONSUMER + ":role/AnalyticsReader"))
                        .build()))
                .build();
        shared.addConsumer(ConsumerGrant.builder()
                .accountId(CONSUMER)
                .prefix("ingest/")
                .access(AccessLevel.WRITE)
                .allowDelete(true)
                .principalArns(List.of("arn:aws:iam::" + CONSUMER + ":role/IngestWriter"))
                .build());

        ThirdPartyAccessRole.Builder.create(stack, "VendorAccess")
                .sharedBucket(shared)
                .thirdPartyAccountId(THIRD_PARTY)
                .externalId("example-vendor-external-id")
                .thirdPartyPrincipalArns(List.of("arn:aws:iam::" + THIRD_PARTY + ":role/VendorIntegration"))
                .prefix("vendor-exports/")
                .roleName("SharedDataVendorAccess")
                .build();

        app.synth();
    }
}
