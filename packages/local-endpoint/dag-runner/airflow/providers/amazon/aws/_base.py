"""What the provider's AwsBaseHook does for the operators of the subset (Amazon provider 9.x,
apache/airflow providers/src/airflow/providers/amazon/aws/hooks/base_aws.py): boto3 clients from the
default credential chain (MWAA's aws_default connection has no credentials, so boto3's chain and
region apply; AWS_ENDPOINT_URL points them at the local endpoint), expand_role, custom waiters,
and the operators' `serialize` (AirflowJsonEncoder: datetimes as ISO 8601).

The one local deviation: every poll sleep (botocore waiters' included) is capped by ABALONE_LOCAL_POLL_CAP seconds (default 1),
since local jobs finish in seconds; the number and order of calls is unchanged.
"""
import json
import logging
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict

import boto3
from botocore.waiter import WaiterModel, create_waiter_with_client

from dagrunner.knobs import seconds_from_env
from dagrunner.versions import active

POLL_CAP_VARIABLE = "ABALONE_LOCAL_POLL_CAP"
DEFAULT_POLL_CAP = 1.0


def poll_cap() -> float:
    return seconds_from_env(POLL_CAP_VARIABLE, DEFAULT_POLL_CAP)


def capped(seconds: float) -> float:
    return min(float(seconds), poll_cap())


def sleep(seconds: float) -> None:
    time.sleep(capped(seconds))


class _CappedTime:
    """The `time` module as botocore.waiter sees it, with sleep capped."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        sleep(seconds)


def cap_botocore_waiters() -> None:
    """botocore's Waiter.wait sleeps `time.sleep(Delay)` between its calls (botocore/waiter.py);
    the DAG's own code waits on SageMaker endpoints that way (deploy.py, Delay 30 s), so in the
    runner those sleeps are capped like the provider's polls."""
    import botocore.waiter

    botocore.waiter.time = _CappedTime()


class AwsBaseHook:
    def __init__(self, client_type: str, aws_conn_id: Any = "aws_default", region_name: Any = None):
        self.client_type = client_type
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self._conn = None
        self.log = logging.getLogger("airflow.task.hooks.{}.{}".format(type(self).__module__, type(self).__name__))

    def get_session(self) -> boto3.session.Session:
        return boto3.session.Session(region_name=self.region_name)

    def client(self, service: str):
        return self.get_session().client(service)

    @property
    def conn(self):
        if self._conn is None:
            self._conn = self.client(self.client_type)
        return self._conn

    def get_conn(self):
        return self.conn

    @property
    def conn_region_name(self) -> str:
        return self.conn.meta.region_name

    @property
    def conn_partition(self) -> str:
        return self.get_session().get_partition_for_region(self.conn_region_name)

    def expand_role(self, role: str) -> str:
        """AwsBaseHook.expand_role: an ARN (it contains '/') as it is, else iam.get_role's Arn."""
        if "/" in role:
            return role
        return self.client("iam").get_role(RoleName=role)["Role"]["Arn"]

    def get_waiter(self, model: Dict[str, Any], name: str):
        """A custom waiter of the provider's waiters/<service>.json, run by botocore as the hook does."""
        return create_waiter_with_client(name, WaiterModel(model), self.conn)


class _AirflowJsonEncoder(json.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, (datetime, date)):
            return obj.isoformat()
        if isinstance(obj, Decimal):
            return float(obj)
        return super().default(obj)


def serialize(result: Dict[str, Any]) -> Dict[str, Any]:
    """operators/sagemaker.py serialize(): json round trip through AirflowJsonEncoder."""
    return json.loads(json.dumps(result, cls=_AirflowJsonEncoder))


def default_deferrable() -> bool:
    """The provider 9.0.0 operators' `deferrable` default, conf.getboolean("operators",
    "default_deferrable", fallback=False), evaluated (as there) when the operator module is imported."""
    from airflow.configuration import conf

    return conf.getboolean("operators", "default_deferrable", fallback=False)


def refuse_deferral(task) -> None:
    """A deferrable provider operator (deferrable=True, or [operators] default_deferrable = True in
    the environment's Airflow options) would start its job and defer to the triggerer on MWAA. The
    runner has no triggerer: the task fails before starting anything, naming why."""
    if getattr(task, "deferrable", False):
        from airflow.exceptions import AirflowException

        raise AirflowException(
            "{} (task_id: {}): deferrable=True (or [operators] default_deferrable) is not emulated by the local DAG runner "
            "(no triggerer; packages/local-endpoint/dag-runner/README.md)".format(type(task).__name__, task.task_id)
        )


def provider_at_least(version: str) -> bool:
    """Whether the active Airflow version's image pins an Amazon provider at `version` or later
    (dagrunner/versions.py amazon_provider: 9.0.0 on 2.10.3, 9.12.0 on 3.0.6)."""

    def parts(text: str):
        return tuple(int(part) for part in text.split("."))

    return parts(active().amazon_provider) >= parts(version)


def aws_template_fields(*template_fields: str):
    """providers/amazon/aws/utils/mixins.py aws_template_fields: the operator's fields and
    aws_conn_id, region_name, verify, sorted."""
    return tuple(sorted({"aws_conn_id", "region_name", "verify"} | set(template_fields)))


def _aws_base_operator():
    from airflow._core import BaseOperator

    class AwsBaseOperator(BaseOperator):
        """providers/amazon/aws/operators/base_aws.py AwsBaseOperator: the AWS arguments every
        operator built on it accepts. `verify` and `botocore_config` are kept, not used: the hooks
        use boto3's default chain (README.md, parity table)."""

        def __init__(self, *, aws_conn_id: Any = "aws_default", region_name: Any = None, verify: Any = None,
                     botocore_config: Any = None, **kwargs):
            super().__init__(**kwargs)
            self.aws_conn_id = aws_conn_id
            self.region_name = region_name
            self.verify = verify
            self.botocore_config = botocore_config

    return AwsBaseOperator


AwsBaseOperator = _aws_base_operator()
