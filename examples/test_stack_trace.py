"""A validation error must point at the user's code, not into the package's compiled JavaScript.

A Python user gets a RuntimeError whose cause (jsii.errors.JavaScriptError) prints the JavaScript
stack trace. The library cuts its own frames from that trace (Error.captureStackTrace in
lib/private/validation.ts), so what remains is the jsii kernel's frames only. Runs with the
smoke tests, against the wheel just built:  .venv-smoke/bin/python -m pytest examples
"""
import aws_cdk as cdk
import pytest

from cdk_cross_account_bucket import SharedBucket

# Where the jsii kernel unpacks the library: /tmp/jsii-kernel-<random>/node_modules/<package>/
LIBRARY_FRAME = "node_modules/cdk-cross-account-bucket/"


def test_bad_props_raise_with_the_prop_and_no_library_frame() -> None:
    stack = cdk.Stack(cdk.App(), "Owner", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    with pytest.raises(RuntimeError) as raised:
        SharedBucket(stack, "Shared", bucket_name="Bad_Name")

    assert "SharedBucket 'Owner/Shared' has invalid props" in str(raised.value)
    assert "bucketName is 'Bad_Name'" in str(raised.value)
    javascript_stack = str(raised.value.__cause__)
    assert "has invalid props" in javascript_stack and "\n" in javascript_stack.strip()
    assert LIBRARY_FRAME not in javascript_stack, javascript_stack
