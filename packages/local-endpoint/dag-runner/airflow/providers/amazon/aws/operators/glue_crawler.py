"""GlueCrawlerOperator as in Amazon provider 9.x (apache/airflow
providers/src/airflow/providers/amazon/aws/operators/glue_crawler.py and hooks/glue_crawler.py,
waiter crawler_ready in waiters/glue.json). Call order:
get_crawler (has_crawler) -> [get_crawler, sts get_caller_identity, get_tags, tag_resource /
untag_resource, update_crawler when a non-tag key differs] or create_crawler -> start_crawler ->
get_crawler until READY (waiter; FAILED/CANCELLED last crawl fails it) -> get_crawler ->
get_crawler_metrics. Returns the crawler name.
"""
from typing import Any, Dict

from airflow._core import BaseOperator
from airflow.providers.amazon.aws._base import AwsBaseHook, capped, default_deferrable, refuse_deferral

# providers/src/airflow/providers/amazon/aws/waiters/glue.json, "crawler_ready".
CRAWLER_READY_WAITER = {
    "version": 2,
    "waiters": {
        "crawler_ready": {
            "operation": "GetCrawler",
            "delay": 5,
            "maxAttempts": 1000,
            "acceptors": [
                {
                    "matcher": "path",
                    "argument": "Crawler.State == 'READY' && Crawler.LastCrawl.Status == 'FAILED'",
                    "expected": True,
                    "state": "failure",
                },
                {
                    "matcher": "path",
                    "argument": "Crawler.State == 'READY' && Crawler.LastCrawl.Status == 'CANCELLED'",
                    "expected": True,
                    "state": "failure",
                },
                {"matcher": "path", "argument": "Crawler.State", "expected": "READY", "state": "success"},
            ],
        }
    },
}


class GlueCrawlerHook(AwsBaseHook):
    def __init__(self, aws_conn_id: Any = "aws_default", region_name: Any = None):
        super().__init__("glue", aws_conn_id, region_name)

    def has_crawler(self, crawler_name: str) -> bool:
        self.log.info("Checking if crawler already exists: %s", crawler_name)
        try:
            self.get_crawler(crawler_name)
            return True
        except self.conn.exceptions.EntityNotFoundException:
            return False

    def get_crawler(self, crawler_name: str) -> Dict[str, Any]:
        return self.conn.get_crawler(Name=crawler_name)["Crawler"]

    def update_crawler(self, **crawler_kwargs) -> bool:
        crawler_name = crawler_kwargs["Name"]
        current_crawler = self.get_crawler(crawler_name)
        tags_updated = self.update_tags(crawler_name, crawler_kwargs.pop("Tags")) if "Tags" in crawler_kwargs else False
        update_config = {
            key: value for key, value in crawler_kwargs.items() if current_crawler.get(key, None) != crawler_kwargs.get(key)
        }
        if update_config:
            self.log.info("Updating crawler: %s", crawler_name)
            self.conn.update_crawler(**crawler_kwargs)
            self.log.info("Updated configurations: %s", update_config)
            return True
        return tags_updated

    def update_tags(self, crawler_name: str, crawler_tags: Dict[str, str]) -> bool:
        account_number = self.client("sts").get_caller_identity()["Account"]
        crawler_arn = "arn:{}:glue:{}:{}:crawler/{}".format(
            self.conn_partition, self.conn_region_name, account_number, crawler_name
        )
        current_crawler_tags = self.conn.get_tags(ResourceArn=crawler_arn)["Tags"]
        update_tags, delete_tags = {}, []
        for key, value in current_crawler_tags.items():
            wanted_tag_value = crawler_tags.get(key, None)
            if wanted_tag_value is None:
                delete_tags.append(key)
            elif wanted_tag_value != value:
                update_tags[key] = wanted_tag_value
        updated_tags = False
        if update_tags:
            self.log.info("Updating crawler tags: %s", crawler_name)
            self.conn.tag_resource(ResourceArn=crawler_arn, TagsToAdd=update_tags)
            updated_tags = True
        if delete_tags:
            self.log.info("Deleting crawler tags: %s", crawler_name)
            self.conn.untag_resource(ResourceArn=crawler_arn, TagsToRemove=delete_tags)
            updated_tags = True
        return updated_tags

    def create_crawler(self, **crawler_kwargs):
        self.log.info("Creating crawler: %s", crawler_kwargs["Name"])
        return self.conn.create_crawler(**crawler_kwargs)

    def start_crawler(self, crawler_name: str):
        self.log.info("Starting crawler %s", crawler_name)
        return self.conn.start_crawler(Name=crawler_name)

    def wait_for_crawler_completion(self, crawler_name: str, poll_interval: int = 5) -> str:
        self.get_waiter(CRAWLER_READY_WAITER, "crawler_ready").wait(
            Name=crawler_name, WaiterConfig={"Delay": capped(poll_interval)}
        )
        crawler = self.get_crawler(crawler_name)
        self.log.info("crawler_config: %s", crawler)
        crawler_status = crawler["LastCrawl"]["Status"]
        metrics = self.conn.get_crawler_metrics(CrawlerNameList=[crawler_name])["CrawlerMetricsList"][0]
        self.log.info("Status: %s", crawler_status)
        self.log.info("Last Runtime Duration (seconds): %s", metrics["LastRuntimeSeconds"])
        self.log.info("Median Runtime Duration (seconds): %s", metrics["MedianRuntimeSeconds"])
        self.log.info("Tables Created: %s", metrics["TablesCreated"])
        self.log.info("Tables Updated: %s", metrics["TablesUpdated"])
        self.log.info("Tables Deleted: %s", metrics["TablesDeleted"])
        return crawler_status


class GlueCrawlerOperator(BaseOperator):
    # aws_template_fields("config") (utils/mixins.py): sorted({"aws_conn_id", "region_name", "verify", "config"}).
    template_fields = ("aws_conn_id", "config", "region_name", "verify")

    def __init__(
        self,
        *,
        config,
        poll_interval: int = 5,
        wait_for_completion: bool = True,
        aws_conn_id: Any = "aws_default",
        region_name: Any = None,
        verify: Any = None,
        botocore_config: Any = None,
        deferrable: bool = default_deferrable(),
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.deferrable = deferrable
        self.config = config
        self.poll_interval = poll_interval
        self.wait_for_completion = wait_for_completion
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config
        self._hook = None

    @property
    def hook(self) -> GlueCrawlerHook:
        if self._hook is None:
            self._hook = GlueCrawlerHook(self.aws_conn_id, region_name=self.region_name)
        return self._hook

    def execute(self, context) -> str:
        refuse_deferral(self)
        crawler_name = self.config["Name"]
        if self.hook.has_crawler(crawler_name):
            self.hook.update_crawler(**self.config)
        else:
            self.hook.create_crawler(**self.config)
        self.log.info("Triggering AWS Glue Crawler")
        self.hook.start_crawler(crawler_name)
        if self.wait_for_completion:
            self.log.info("Waiting for AWS Glue Crawler")
            self.hook.wait_for_crawler_completion(crawler_name=crawler_name, poll_interval=self.poll_interval)
        return crawler_name


def __getattr__(name):
    raise AttributeError(
        "airflow.providers.amazon.aws.operators.glue_crawler.{} is outside the local DAG runner's airflow subset".format(name)
    )
