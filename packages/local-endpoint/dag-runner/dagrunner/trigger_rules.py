"""What a task whose upstream tasks are all finished becomes under its trigger rule, as Airflow
2.10's TriggerRuleDep decides it with flag_upstream_failed (airflow/ti_deps/deps/trigger_rule_dep.py):
"run", or the state it is set to without running ("skipped" or "upstream_failed")."""
from typing import Iterable

RUN = "run"
SKIPPED = "skipped"
UPSTREAM_FAILED = "upstream_failed"


def decide(trigger_rule: str, upstream_states: Iterable[str]) -> str:
    states = list(upstream_states)
    upstream = len(states)
    success = states.count("success")
    skipped = states.count("skipped")
    failed = states.count("failed")
    upstream_failed = states.count("upstream_failed")
    if trigger_rule == "always" or upstream == 0:
        return RUN
    if trigger_rule == "all_success":
        if failed or upstream_failed:
            return UPSTREAM_FAILED
        if skipped:
            return SKIPPED
        return RUN
    if trigger_rule == "all_failed":
        return SKIPPED if success or skipped else RUN
    if trigger_rule == "all_done":
        return RUN
    if trigger_rule == "all_skipped":
        return SKIPPED if success or failed or upstream_failed else RUN
    if trigger_rule == "one_success":
        if skipped == upstream:
            return SKIPPED
        return RUN if success else UPSTREAM_FAILED
    if trigger_rule == "one_failed":
        return RUN if failed or upstream_failed else SKIPPED
    if trigger_rule == "none_failed":
        return UPSTREAM_FAILED if failed or upstream_failed else RUN
    if trigger_rule == "none_failed_min_one_success":
        if failed or upstream_failed:
            return UPSTREAM_FAILED
        if skipped == upstream:
            return SKIPPED
        return RUN
    if trigger_rule == "none_skipped":
        return SKIPPED if skipped else RUN
    raise ValueError("trigger rule {!r} is outside the local DAG runner's subset".format(trigger_rule))
