"""CrossAccountAccessPlugin from Python: synth passes with recorded grants only, and stops on a
grant the library did not write. The plugin runs the package's command in a child Node.js process;
the solver (npm package z3-solver) resolves from the working folder, the repository root here.
Runs with the smoke tests, against the wheel just built:  .venv-smoke/bin/python -m pytest examples
"""
import json
import os
import tempfile

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from cdk_cross_account_bucket import AccessLevel, ConsumerGrant, CrossAccountAccessPlugin, SharedBucket


def _owner_app(hand_added: bool, outdir: str) -> cdk.App:
    app = cdk.App(outdir=outdir)
    cdk.Validations.of(app).add_plugins(CrossAccountAccessPlugin(deny_actions=["s3:DeleteObjectVersion"]))
    stack = cdk.Stack(app, "Owner", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    shared = SharedBucket(
        stack,
        "Data",
        bucket_name="plugin-python-111111111111",
        consumers=[ConsumerGrant(account_id="222222222222", principal_arns=["arn:aws:iam::222222222222:role/Reader"],
                                 prefix="reports/", access=AccessLevel.READ)],
    )
    if hand_added:
        shared.bucket.grant_read(iam.AccountPrincipal("999999999999"))
    return app


def test_recorded_grants_only_synthesize() -> None:
    _owner_app(hand_added=False, outdir=tempfile.mkdtemp(prefix="plugin-python-")).synth()


def test_a_hand_added_grant_stops_synth() -> None:
    outdir = tempfile.mkdtemp(prefix="plugin-python-")
    with pytest.raises(RuntimeError):
        _owner_app(hand_added=True, outdir=outdir).synth()
    # aws-cdk-lib writes the validation report into the cloud assembly.
    with open(os.path.join(outdir, "validation-report.json"), encoding="utf-8") as report:
        text = json.dumps(json.load(report))
    assert "UnexplainedAccess" in text and "999999999999" in text, text
