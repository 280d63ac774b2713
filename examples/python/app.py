#!/usr/bin/env python3
"""The example app of examples/app.ts, in Python.

It builds the same owner, consumer and third-party stacks, and the replication owner and
partner stacks of examples/replication.ts, from the same environment variables and defaults
(see examples/app.ts); test_parity.py checks that the templates are identical to the TypeScript
ones.

    npx cdk synth --app "python3 examples/python/app.py" --output cdk.out.python
"""
import os
from dataclasses import dataclass
from typing import Optional

from aws_cdk import App, Environment, Stack
from constructs import Construct

from cdk_cross_account_bucket import (
    AccessLevel,
    ConsumerGrant,
    ConsumerReader,
    ReplicaBucket,
    ReplicationTarget,
    SharedBucket,
    ThirdPartyAccessRole,
)

ANALYTICS_READER_ROLE = "AnalyticsReader"
INGEST_WRITER_ROLE = "IngestWriter"
VENDOR_ACCESS_ROLE = "SharedDataVendorAccess"
VENDOR_INTEGRATION_ROLE = "VendorIntegration"
# Fixed up front on both sides of the replication, so that neither waits for the other's deployment.
REPLICATION_ROLE = "SharedReportsReplication"
REPLICATED_PREFIX = "reports/"


@dataclass(frozen=True)
class ExampleSetup:
    owner_account_id: str
    consumer_account_id: str
    third_party_account_id: str
    region: str
    bucket_name: str
    external_id: str
    # Optional: the owner stack's EncryptionKeyArn output, to narrow the consumer roles to that key.
    encryption_key_arn: Optional[str]


class OwnerStack(Stack):
    """The bucket owner's account: two grants for the consumer and a role for the vendor."""

    def __init__(self, scope: Construct, construct_id: str, *, setup: ExampleSetup) -> None:
        super().__init__(scope, construct_id, env=Environment(account=setup.owner_account_id, region=setup.region))
        consumer = setup.consumer_account_id
        third_party = setup.third_party_account_id

        self.shared_bucket = SharedBucket(
            self,
            "SharedData",
            bucket_name=setup.bucket_name,
            consumers=[
                ConsumerGrant(
                    account_id=consumer,
                    prefix="analytics/",
                    principal_arns=[f"arn:aws:iam::{consumer}:role/{ANALYTICS_READER_ROLE}"],
                ),
            ],
        )
        self.shared_bucket.add_consumer(
            account_id=consumer,
            prefix="ingest/",
            access=AccessLevel.WRITE,
            allow_delete=True,
            principal_arns=[f"arn:aws:iam::{consumer}:role/{INGEST_WRITER_ROLE}"],
        )

        self.vendor_access = ThirdPartyAccessRole(
            self,
            "VendorAccess",
            shared_bucket=self.shared_bucket,
            third_party_account_id=third_party,
            external_id=setup.external_id,
            third_party_principal_arns=[f"arn:aws:iam::{third_party}:role/{VENDOR_INTEGRATION_ROLE}"],
            prefix="vendor-exports/",
            role_name=VENDOR_ACCESS_ROLE,
        )


class ConsumerStack(Stack):
    """The consumer account: one role reads analytics/, another writes ingest/."""

    def __init__(self, scope: Construct, construct_id: str, *, setup: ExampleSetup) -> None:
        super().__init__(scope, construct_id, env=Environment(account=setup.consumer_account_id, region=setup.region))

        ConsumerReader(
            self,
            "AnalyticsReader",
            bucket_name=setup.bucket_name,
            bucket_owner_account_id=setup.owner_account_id,
            encryption_key_arn=setup.encryption_key_arn,
            prefix="analytics/",
            role_name=ANALYTICS_READER_ROLE,
        )
        ConsumerReader(
            self,
            "IngestWriter",
            bucket_name=setup.bucket_name,
            bucket_owner_account_id=setup.owner_account_id,
            encryption_key_arn=setup.encryption_key_arn,
            prefix="ingest/",
            access=AccessLevel.WRITE,
            allow_delete=True,
            role_name=INGEST_WRITER_ROLE,
        )


class ThirdPartyStack(Stack):
    """The vendor's account: its integration role may only assume the owner's role."""

    def __init__(self, scope: Construct, construct_id: str, *, setup: ExampleSetup) -> None:
        super().__init__(scope, construct_id, env=Environment(account=setup.third_party_account_id, region=setup.region))

        ConsumerReader(
            self,
            "VendorIntegration",
            bucket_name=setup.bucket_name,
            bucket_owner_account_id=setup.owner_account_id,
            third_party_role_arn=f"arn:aws:iam::{setup.owner_account_id}:role/{VENDOR_ACCESS_ROLE}",
            role_name=VENDOR_INTEGRATION_ROLE,
        )


@dataclass(frozen=True)
class ReplicationSetup:
    partner_account_id: str
    partner_region: str
    replica_bucket_name: str
    # The partner stack's EncryptionKeyArn output once deployed; a placeholder key before.
    replica_key_arn: str


def replicated_bucket_name(setup: ExampleSetup) -> str:
    return f"cdk-cross-account-bucket-reports-{setup.owner_account_id}"


class ReplicationOwnerStack(Stack):
    """The owner's account: a shared bucket whose reports/ the partner receives a replica of."""

    def __init__(self, scope: Construct, construct_id: str, *, setup: ExampleSetup, replication: ReplicationSetup) -> None:
        super().__init__(scope, construct_id, env=Environment(account=setup.owner_account_id, region=setup.region))
        SharedBucket(
            self,
            "Reports",
            bucket_name=replicated_bucket_name(setup),
            replication_role_name=REPLICATION_ROLE,
            replicate_to=[
                ReplicationTarget(
                    account_id=replication.partner_account_id,
                    bucket_name=replication.replica_bucket_name,
                    key_arn=replication.replica_key_arn,
                    prefix=REPLICATED_PREFIX,
                ),
            ],
        )


class ReplicaPartnerStack(Stack):
    """The partner's account: its own bucket, which lets in exactly the owner's replication role."""

    def __init__(self, scope: Construct, construct_id: str, *, setup: ExampleSetup, replication: ReplicationSetup) -> None:
        super().__init__(
            scope, construct_id, env=Environment(account=replication.partner_account_id, region=replication.partner_region)
        )
        ReplicaBucket(
            self,
            "Replica",
            bucket_name=replication.replica_bucket_name,
            source_account_id=setup.owner_account_id,
            source_bucket_name=replicated_bucket_name(setup),
            replication_role_name=REPLICATION_ROLE,
            prefix=REPLICATED_PREFIX,
        )


def replication_from_environment() -> ReplicationSetup:
    partner = os.environ.get("PARTNER_ACCOUNT_ID", "444444444444")
    region = os.environ.get("PARTNER_REGION", "eu-central-1")
    return ReplicationSetup(
        partner_account_id=partner,
        partner_region=region,
        replica_bucket_name=os.environ.get("REPLICA_BUCKET_NAME", f"cdk-cross-account-bucket-replica-{partner}"),
        replica_key_arn=os.environ.get(
            "REPLICA_KEY_ARN", f"arn:aws:kms:{region}:{partner}:key/00000000-0000-0000-0000-000000000000"
        ),
    )


def setup_from_environment() -> ExampleSetup:
    owner = os.environ.get("OWNER_ACCOUNT_ID", "111111111111")
    region = os.environ.get("SHARED_BUCKET_REGION", "eu-west-1")
    return ExampleSetup(
        owner_account_id=owner,
        consumer_account_id=os.environ.get("CONSUMER_ACCOUNT_ID", "222222222222"),
        third_party_account_id=os.environ.get("THIRD_PARTY_ACCOUNT_ID", "333333333333"),
        region=region,
        bucket_name=os.environ.get("SHARED_BUCKET_NAME", f"cdk-cross-account-bucket-example-{owner}"),
        external_id=os.environ.get("SHARED_BUCKET_EXTERNAL_ID", "example-vendor-external-id"),
        encryption_key_arn=os.environ.get("SHARED_BUCKET_KEY_ARN"),
    )


if __name__ == "__main__":
    app = App()
    example = setup_from_environment()
    OwnerStack(app, "SharedBucketOwner", setup=example)
    ConsumerStack(app, "SharedBucketConsumer", setup=example)
    ThirdPartyStack(app, "SharedBucketThirdParty", setup=example)
    replicas = replication_from_environment()
    ReplicationOwnerStack(app, "SharedBucketReplicationOwner", setup=example, replication=replicas)
    ReplicaPartnerStack(app, "SharedBucketReplicaPartner", setup=example, replication=replicas)
    app.synth()
