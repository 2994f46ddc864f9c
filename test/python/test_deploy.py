"""Deploy: create the one endpoint the first time, update it with a new config afterwards.

The create path runs against moto; moto has no UpdateEndpoint, so the update, recreate and
rollback paths use botocore's Stubber, which also checks every call's parameters.
"""
import boto3
import pytest
from botocore.stub import Stubber

from abalone_pipeline import callables, deploy, sagemaker_specs
from conftest import NAME, FakeTaskInstance
from sample_config import pipeline_config

ENDPOINT = "abalone-endpoint"
NEW_CONFIG = "abalone-config-20261128-130501"
OLD_CONFIG = "abalone-config-20261127-000000"
MODEL = "abalone-model-20261128-130501"
TAGS = [{"Key": "abalone-pipeline:name", "Value": NAME}]
ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/abalone-endpoint"


def endpoint_config():
    return sagemaker_specs.endpoint_config_request(pipeline_config(), MODEL)


def described(status, config_name):
    return {
        "EndpointName": ENDPOINT,
        "EndpointArn": ARN,
        "EndpointConfigName": config_name,
        "EndpointStatus": status,
        "CreationTime": "2026-11-27T00:00:00Z",
        "LastModifiedTime": "2026-11-27T00:00:00Z",
    }


def stubbed():
    client = boto3.client("sagemaker", region_name="us-east-1")
    return client, Stubber(client)


def expect_describe(stubber, status, config_name):
    stubber.add_response("describe_endpoint", described(status, config_name), {"EndpointName": ENDPOINT})


def expect_missing(stubber):
    stubber.add_client_error(
        "describe_endpoint",
        service_error_code="ValidationException",
        service_message="Could not find endpoint " + ENDPOINT,
        expected_params={"EndpointName": ENDPOINT},
    )


def expect_create_config(stubber):
    stubber.add_response("create_endpoint_config", {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/" + NEW_CONFIG}, endpoint_config())


def test_first_deployment_creates_the_endpoint_with_moto(aws):
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(
        ModelName=MODEL,
        PrimaryContainer={"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/abalone-sagemaker",
    )
    ti = FakeTaskInstance({"load_config": pipeline_config(), "batch_transform": {"Transform": {"ModelName": MODEL}}})
    result = callables.deploy_task(ti)
    assert result == {
        "action": "create",
        "endpointName": ENDPOINT,
        "endpointConfigName": NEW_CONFIG,
        "previousEndpointConfigName": None,
    }
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == NEW_CONFIG
    assert [item["EndpointName"] for item in sagemaker.list_endpoints()["Endpoints"]] == [ENDPOINT]


def test_later_deployment_updates_the_same_endpoint_with_a_new_config():
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "InService", OLD_CONFIG)
    stubber.add_response("update_endpoint", {"EndpointArn": ARN}, {"EndpointName": ENDPOINT, "EndpointConfigName": NEW_CONFIG})
    expect_describe(stubber, "Updating", NEW_CONFIG)  # the waiter polls until InService
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)  # the confirming read
    stubber.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD_CONFIG})
    with stubber:
        result = deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)
    stubber.assert_no_pending_responses()
    assert result["action"] == "update" and result["previousEndpointConfigName"] == OLD_CONFIG


def test_a_busy_endpoint_is_waited_for_before_the_update():
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "Updating", OLD_CONFIG)
    expect_describe(stubber, "InService", OLD_CONFIG)
    stubber.add_response("update_endpoint", {"EndpointArn": ARN}, {"EndpointName": ENDPOINT, "EndpointConfigName": NEW_CONFIG})
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)
    stubber.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD_CONFIG})
    with stubber:
        assert deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)["action"] == "update"
    stubber.assert_no_pending_responses()


def test_a_failed_endpoint_is_deleted_and_created_again():
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "Failed", OLD_CONFIG)
    stubber.add_response("delete_endpoint", {}, {"EndpointName": ENDPOINT})
    expect_missing(stubber)  # gone at once: the wait for the Failed status to clear ends
    expect_missing(stubber)  # the endpoint_deleted waiter
    stubber.add_response(
        "create_endpoint", {"EndpointArn": ARN}, {"EndpointName": ENDPOINT, "EndpointConfigName": NEW_CONFIG, "Tags": TAGS}
    )
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)
    stubber.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD_CONFIG})
    with stubber:
        assert deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)["action"] == "recreate"
    stubber.assert_no_pending_responses()


def test_a_failed_endpoint_that_still_says_failed_after_delete_is_waited_for():
    """Issue #11 item 11. botocore's EndpointDeleted waiter (botocore/data/sagemaker/2017-07-24/
    waiters-2.json) has a failure acceptor on EndpointStatus == "Failed": right after
    delete_endpoint the endpoint can still report Failed, and the waiter would stop at once."""
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "Failed", OLD_CONFIG)
    stubber.add_response("delete_endpoint", {}, {"EndpointName": ENDPOINT})
    expect_describe(stubber, "Failed", OLD_CONFIG)  # the deletion has not shown yet
    expect_describe(stubber, "Deleting", OLD_CONFIG)
    expect_describe(stubber, "Deleting", OLD_CONFIG)  # the endpoint_deleted waiter, first poll
    expect_missing(stubber)  # the waiter: gone
    stubber.add_response(
        "create_endpoint", {"EndpointArn": ARN}, {"EndpointName": ENDPOINT, "EndpointConfigName": NEW_CONFIG, "Tags": TAGS}
    )
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)
    stubber.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD_CONFIG})
    with stubber:
        assert deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)["action"] == "recreate"
    stubber.assert_no_pending_responses()


def test_an_endpoint_that_stays_failed_after_delete_fails_the_deploy_by_name():
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "Failed", OLD_CONFIG)
    stubber.add_response("delete_endpoint", {}, {"EndpointName": ENDPOINT})
    for _ in range(3):
        expect_describe(stubber, "Failed", OLD_CONFIG)
    with stubber, pytest.raises(RuntimeError, match="endpoint abalone-endpoint still reports Failed"):
        deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0, max_attempts=3)
    stubber.assert_no_pending_responses()


def test_a_retried_deploy_reuses_its_config_and_changes_nothing():
    client, stubber = stubbed()
    stubber.add_client_error(
        "create_endpoint_config",
        service_error_code="ValidationException",
        service_message="Cannot create already existing endpoint configuration " + NEW_CONFIG,
        expected_params=endpoint_config(),
    )
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)
    expect_describe(stubber, "InService", NEW_CONFIG)
    with stubber:
        assert deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)["action"] == "unchanged"
    stubber.assert_no_pending_responses()


def test_an_update_that_rolled_back_fails_and_keeps_the_old_config():
    client, stubber = stubbed()
    expect_create_config(stubber)
    expect_describe(stubber, "InService", OLD_CONFIG)
    stubber.add_response("update_endpoint", {"EndpointArn": ARN}, {"EndpointName": ENDPOINT, "EndpointConfigName": NEW_CONFIG})
    expect_describe(stubber, "InService", OLD_CONFIG)
    expect_describe(stubber, "InService", OLD_CONFIG)
    with stubber:
        with pytest.raises(RuntimeError, match="serves config {} instead of {}".format(OLD_CONFIG, NEW_CONFIG)):
            deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)
    stubber.assert_no_pending_responses()


def test_other_errors_are_not_taken_for_a_missing_endpoint():
    client, stubber = stubbed()
    expect_create_config(stubber)
    stubber.add_client_error("describe_endpoint", service_error_code="AccessDeniedException", expected_params={"EndpointName": ENDPOINT})
    with stubber:
        with pytest.raises(Exception, match="AccessDenied"):
            deploy.deploy_model(client, ENDPOINT, endpoint_config(), TAGS, delay=0)
