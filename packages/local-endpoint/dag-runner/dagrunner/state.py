"""The run's state file (the runner's command line, dag-runner/README.md): written atomically (temporary file
in the same folder, then rename) at every state change; times in ISO 8601 with offset."""
import json
import os
import tempfile
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


class RunStateFile:
    def __init__(self, path: str):
        self.path = os.path.abspath(path)

    def document(self, dag_run, tasks: List[Dict[str, Any]]) -> Dict[str, Any]:
        return {
            "dag_id": dag_run.dag_id,
            "run_id": dag_run.run_id,
            "run_type": dag_run.run_type,
            "state": dag_run.state,
            "logical_date": iso(dag_run.logical_date),
            "start_date": iso(dag_run.start_date),
            "end_date": iso(dag_run.end_date),
            "conf": dag_run.conf,
            "external_trigger": dag_run.run_type == "manual",
            "tasks": [dict(task) for task in tasks],
        }

    def write(self, dag_run, tasks: List[Dict[str, Any]]) -> None:
        self.write_document(self.document(dag_run, tasks))

    def write_document(self, document: Dict[str, Any]) -> None:
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
