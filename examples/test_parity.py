"""Every language's example must synthesize exactly the templates of the TypeScript example.

.ci/run synthesizes each app through the CDK CLI first:
    cdk.out         examples/app.ts            (owner, consumer, third party)
    cdk.out.python  examples/python/app.py     (owner, consumer, third party, replication owner and partner)
    cdk.out.java    examples/java (OwnerApp)   (owner)
    cdk.out.go      examples/go (main.go)      (owner)
then runs:  python -m pytest examples
"""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWNER, CONSUMER, THIRD_PARTY = "SharedBucketOwner", "SharedBucketConsumer", "SharedBucketThirdParty"
REPLICATION_OWNER, REPLICA_PARTNER = "SharedBucketReplicationOwner", "SharedBucketReplicaPartner"
CASES = [
    ("python", OWNER),
    ("python", CONSUMER),
    ("python", THIRD_PARTY),
    ("python", REPLICATION_OWNER),
    ("python", REPLICA_PARTNER),
    ("java", OWNER),
    ("go", OWNER),
]


def load_template(out_dir: str, stack: str) -> dict:
    path = ROOT / out_dir / f"{stack}.template.json"
    assert path.is_file(), f"{path} is missing: synthesize that app first (see .ci/run)"
    template = json.loads(path.read_text())
    # CDKMetadata records the language and runtime that synthesized the stack: the one
    # resource that differs by design.
    template.get("Resources", {}).pop("CDKMetadata", None)
    return template


@pytest.mark.parametrize("language,stack", CASES)
def test_template_equals_typescript(language: str, stack: str) -> None:
    assert load_template(f"cdk.out.{language}", stack) == load_template("cdk.out", stack)


def test_owner_template_has_the_shared_bucket() -> None:
    types = sorted(resource["Type"] for resource in load_template("cdk.out", OWNER)["Resources"].values())
    assert types.count("AWS::S3::Bucket") == 2
    assert types.count("AWS::KMS::Key") == 1
    assert types.count("AWS::IAM::Role") == 1


def test_python_replication_owner_replicates_into_the_partner() -> None:
    """The replication owner synthesized from Python: one rule into the partner's bucket, the partner owning the replicas."""
    template = load_template("cdk.out.python", REPLICATION_OWNER)
    buckets = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket" and "ReplicationConfiguration" in r["Properties"]]
    assert len(buckets) == 1
    rules = buckets[0]["Properties"]["ReplicationConfiguration"]["Rules"]
    assert [(rule["Filter"]["Prefix"], rule["Destination"]["Account"], rule["Destination"]["AccessControlTranslation"]["Owner"])
            for rule in rules] == [("reports/", "444444444444", "Destination")]
