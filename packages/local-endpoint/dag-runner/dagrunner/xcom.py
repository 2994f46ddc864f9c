"""XCom values serialised as Airflow 2.10.3's default backend serialises them.

airflow/models/xcom.py (2.10.3) BaseXCom.serialize_value: json.dumps(value, cls=XComEncoder);
deserialize_value: json.loads(..., cls=XComDecoder). airflow/utils/json.py XComEncoder: refuses a
top-level dict holding the reserved "__classname__" key, wraps a top-level tuple (nested tuples are
JSON arrays, so they come back as lists), and hands anything json cannot encode to
airflow/serialization/serde.py serialize, whose serializers (serializers/datetime.py, bignum.py,
builtin.py) turn datetimes, dates, timedeltas, Decimals, sets and frozensets into
{"__classname__", "__version__", "__data__"} documents that come back as the same types. Any other
object is json's TypeError ("Object of type X is not JSON serializable").

Deviations (README.md, parity table): a tz-aware datetime comes back as a datetime with a fixed
UTC offset (Airflow: a pendulum DateTime in the named zone); a naive one comes back naive in UTC
(Airflow: the worker's local time, which is UTC on MWAA). Serde's numpy, pandas, dataclass,
attrs and pydantic serializers are not emulated: such a value is an error naming it.
"""
import dataclasses
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

CLASSNAME = "__classname__"
VERSION = "__version__"
DATA = "__data__"


class NotEmulated(TypeError):
    pass


def _document(classname: str, version: int, data: Any) -> dict:
    return {CLASSNAME: classname, VERSION: version, DATA: data}


def _serialize(o: Any) -> Any:
    if isinstance(o, datetime):
        offset = o.utcoffset()
        return _document(
            "datetime.datetime", 2,
            {"timestamp": o.timestamp() if offset is not None else o.replace(tzinfo=timezone.utc).timestamp(),
             "tz": None if offset is None else offset.total_seconds()},
        )
    if isinstance(o, date):
        return _document("datetime.date", 2, o.isoformat())
    if isinstance(o, timedelta):
        return _document("datetime.timedelta", 2, o.total_seconds())
    if isinstance(o, Decimal):
        return _document("decimal.Decimal", 1, int(o) if o.as_integer_ratio()[1] == 1 else float(o))
    if isinstance(o, (set, frozenset, tuple)):
        return _document("builtins.{}".format(type(o).__name__), 1, [_encode_item(item) for item in o])
    if dataclasses.is_dataclass(o) or type(o).__module__.split(".")[0] in ("numpy", "pandas", "pydantic", "attr"):
        raise NotEmulated(
            "XCom value of type {}.{}: Airflow's serde serializers for it are not emulated by the local DAG runner".format(
                type(o).__module__, type(o).__qualname__
            )
        )
    raise TypeError("Object of type {} is not JSON serializable".format(type(o).__name__))


def _encode_item(item: Any) -> Any:
    return json.loads(json.dumps(item, cls=XComEncoder))


class XComEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return _serialize(o)

    def encode(self, o: Any) -> str:
        if isinstance(o, dict) and CLASSNAME in o:
            raise AttributeError("reserved key {} found in dict to serialize".format(CLASSNAME))
        if isinstance(o, tuple):
            o = self.default(o)
        return super().encode(o)


def _deserialize(document: dict) -> Any:
    classname, data = document[CLASSNAME], document[DATA]
    if classname == "datetime.datetime":
        if data["tz"] is None:
            return datetime.fromtimestamp(data["timestamp"], tz=timezone.utc).replace(tzinfo=None)
        return datetime.fromtimestamp(data["timestamp"], tz=timezone(timedelta(seconds=data["tz"])))
    if classname == "datetime.date":
        return date.fromisoformat(data)
    if classname == "datetime.timedelta":
        return timedelta(seconds=data)
    if classname == "decimal.Decimal":
        return Decimal(str(data))
    if classname in ("builtins.set", "builtins.frozenset", "builtins.tuple"):
        return {"builtins.set": set, "builtins.frozenset": frozenset, "builtins.tuple": tuple}[classname](data)
    return document


def _hook(document: dict) -> Any:
    return _deserialize(document) if CLASSNAME in document and DATA in document else document


def serialize_value(value: Any) -> str:
    return json.dumps(value, cls=XComEncoder)


def deserialize_value(text: str) -> Any:
    return json.loads(text, object_hook=_hook)
