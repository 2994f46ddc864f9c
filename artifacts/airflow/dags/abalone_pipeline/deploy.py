"""Create the pipeline's one endpoint the first time, then point it at a new endpoint config."""
import time
from typing import Any, Dict, List, Optional

from botocore.exceptions import ClientError

BUSY_STATES = ("Creating", "Updating", "SystemUpdating", "RollingBack")


def describe_endpoint(sagemaker, endpoint_name: str) -> Optional[Dict[str, Any]]:
    try:
        return sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as error:
        # SageMaker reports a missing endpoint as a ValidationException ("Could not find endpoint").
        if error.response.get("Error", {}).get("Code") == "ValidationException":
            return None
        raise


def _wait(sagemaker, waiter_name: str, endpoint_name: str, delay: int, max_attempts: int) -> None:
    sagemaker.get_waiter(waiter_name).wait(
        EndpointName=endpoint_name, WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts}
    )


def _wait_until_not_failed(sagemaker, endpoint_name: str, delay: int, max_attempts: int) -> None:
    """Right after delete_endpoint the endpoint can still say Failed, and botocore's EndpointDeleted
    waiter fails at once on that status (botocore/data/sagemaker/2017-07-24/waiters-2.json: path
    EndpointStatus == "Failed" -> failure): poll until the deletion shows (Deleting, or gone)."""
    for attempt in range(max_attempts):
        current = describe_endpoint(sagemaker, endpoint_name)
        if current is None or current["EndpointStatus"] != "Failed":
            return
        if attempt + 1 < max_attempts:
            time.sleep(delay)
    raise RuntimeError(
        "endpoint {} still reports Failed {} seconds after delete_endpoint".format(endpoint_name, delay * max_attempts)
    )


def create_endpoint_config_once(sagemaker, endpoint_config: Dict[str, Any]) -> None:
    """Create the config; one left by an earlier try of the same run is reused (same name, same spec)."""
    try:
        sagemaker.create_endpoint_config(**endpoint_config)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        if error.response.get("Error", {}).get("Code") != "ValidationException" or "already exist" not in message:
            raise


def deploy_model(
    sagemaker,
    endpoint_name: str,
    endpoint_config: Dict[str, Any],
    tags: List[Dict[str, str]],
    delay: int = 30,
    max_attempts: int = 120,
) -> Dict[str, Any]:
    """Create endpoint_config, then create the endpoint or update it to that config, and wait
    until it is InService. A Failed endpoint cannot be updated, so it is deleted and recreated.
    The endpoint's previous config is deleted once the endpoint no longer uses it."""
    config_name = endpoint_config["EndpointConfigName"]
    create_endpoint_config_once(sagemaker, endpoint_config)
    current = describe_endpoint(sagemaker, endpoint_name)
    previous_config = current.get("EndpointConfigName") if current else None
    action = "create"

    if current is not None and current["EndpointStatus"] in ("Failed", "Deleting"):
        if current["EndpointStatus"] == "Failed":
            sagemaker.delete_endpoint(EndpointName=endpoint_name)
            _wait_until_not_failed(sagemaker, endpoint_name, delay, max_attempts)
        _wait(sagemaker, "endpoint_deleted", endpoint_name, delay, max_attempts)
        current = None
        action = "recreate"

    if current is None:
        sagemaker.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name, Tags=tags)
    elif previous_config == config_name:
        action = "unchanged"  # an earlier try of this run already switched the endpoint
    else:
        if current["EndpointStatus"] in BUSY_STATES:
            _wait(sagemaker, "endpoint_in_service", endpoint_name, delay, max_attempts)
        sagemaker.update_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name)
        action = "update"
    _wait(sagemaker, "endpoint_in_service", endpoint_name, delay, max_attempts)

    # A failed update rolls back to InService on the old config: confirm with a fresh read.
    served = (describe_endpoint(sagemaker, endpoint_name) or {}).get("EndpointConfigName")
    if served != config_name:
        raise RuntimeError(
            "endpoint {} serves config {} instead of {}; the update did not take effect".format(
                endpoint_name, served, config_name
            )
        )
    if previous_config and previous_config != config_name:
        try:
            sagemaker.delete_endpoint_config(EndpointConfigName=previous_config)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ValidationException":
                raise
    return {
        "action": action,
        "endpointName": endpoint_name,
        "endpointConfigName": config_name,
        "previousEndpointConfigName": previous_config,
    }
