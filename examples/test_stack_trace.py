"""A validation error must point at the user's code, not into the package's compiled JavaScript;
a warning's trace must reach the user's code when jsii sends the Python stack (the last tests).

A Python user gets a RuntimeError whose cause (jsii.errors.JavaScriptError) prints the JavaScript
stack trace. The library cuts its own frames from that trace (Error.captureStackTrace in
lib/private/validation.ts), so what remains is the jsii kernel's frames only. Runs with the
smoke tests, against the wheel just built:  .venv-smoke/bin/python -m pytest examples
"""
import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from cdk_cross_account_bucket import ConsumerGrant, SharedBucket

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


# A warning records the stack trace of the call that raised it. In Python that call runs in the
# jsii kernel, a Node.js process, whose trace holds no Python frame; the jsii runtime (1.136.0 or
# later) sends the Python stack with every call when JSII_HOST_STACK_TRACES is set, and aws-cdk-lib
# appends it to the trace it records (aws/jsii#5153, aws/aws-cdk#38124).
def _warning_trace(monkeypatch, host_stack_traces: bool):
    if host_stack_traces:
        monkeypatch.setenv("JSII_HOST_STACK_TRACES", "1")
    else:
        monkeypatch.delenv("JSII_HOST_STACK_TRACES", raising=False)
    stack = cdk.Stack(cdk.App(), "Owner", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    SharedBucket(stack, "Shared", consumers=[ConsumerGrant(account_id="222222222222")])  # THE CALL
    with open(__file__, encoding="utf-8") as source:
        line = next(number for number, text in enumerate(source, start=1) if text.rstrip().endswith("# THE CALL"))
    warnings = assertions.Annotations.from_stack(stack).find_warning(
        "*", assertions.Match.string_like_regexp("cdk-cross-account-bucket:grantToWholeAccount"))
    assert len(warnings) == 1, warnings
    return list(warnings[0].entry.trace or []), f"{__file__}:{line}"


def test_with_host_stack_traces_a_warning_points_at_the_python_line(monkeypatch) -> None:
    trace, here = _warning_trace(monkeypatch, host_stack_traces=True)
    assert any(here in frame for frame in trace), (here, trace)


def test_without_host_stack_traces_a_warning_has_no_python_frame(monkeypatch) -> None:
    trace, _ = _warning_trace(monkeypatch, host_stack_traces=False)
    assert not any(".py:" in frame for frame in trace), trace
