"""Every language's example must synthesize exactly the templates of the TypeScript example.

.ci/run synthesizes each app through the CDK CLI first:
    cdk.out         examples/app.ts            (owner, consumer, third party)
    cdk.out.python  examples/python/app.py     (owner, consumer, third party)
    cdk.out.java    examples/java (OwnerApp)   (owner)
    cdk.out.go      examples/go (main.go)      (owner)
then runs:  python -m pytest examples
"""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWNER, CONSUMER, THIRD_PARTY = "SharedBucketOwner", "SharedBucketConsumer", "SharedBucketThirdParty"
CASES = [
    ("python", OWNER),
    ("python", CONSUMER),
    ("python", THIRD_PARTY),
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
