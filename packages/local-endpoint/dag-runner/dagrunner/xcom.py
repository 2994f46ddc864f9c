"""XCom values serialised as the active version's default backend serialises them
(dagrunner/versions.py xcom_serialization).

3.0.6 ("serde"): the task runner pushes `airflow.serialization.serde.serialize(value)` (the
execution API deals in JSON-compatible objects) and xcom_pull applies `deserialize`
(airflow-core/src/airflow/serialization/serde.py): None and primitives as they are (an Enum as its
value), lists item by item, dicts with their keys made str (a dict holding "__classname__" is
refused), tuples, sets and frozensets as {"__classname__": "builtins.<type>", ...} documents at
any depth (so a nested tuple comes back a tuple), datetimes, dates, timedeltas and Decimals as in
2.10.3 below; anything else is TypeError("cannot serialize object of type <class ...>").

2.10.3 ("xcom_encoder"):
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
import enum
from typing import Any

from dagrunner.versions import active

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


def serde_serialize(o: Any) -> Any:
    """airflow/serialization/serde.py serialize, for the types the runner emulates."""
    if o is None:
        return None
    if isinstance(o, (int, bool, float, str)):
        return o.value if isinstance(o, enum.Enum) else o
    if isinstance(o, list):
        return [serde_serialize(item) for item in o]
    if isinstance(o, dict):
        if CLASSNAME in o or "__id__" in o:
            raise AttributeError("reserved key {} or __id__ found in dict to serialize".format(CLASSNAME))
        return {str(key): serde_serialize(value) for key, value in o.items()}
    if isinstance(o, (tuple, set, frozenset)):
        return _document("builtins.{}".format(type(o).__name__ if type(o) in (tuple, set, frozenset) else "tuple"), 1,
                         [serde_serialize(item) for item in o])
    if isinstance(o, (datetime, date, timedelta, Decimal)):
        return _serialize(o)
    if dataclasses.is_dataclass(o) or hasattr(o, "serialize") or type(o).__module__.split(".")[0] in (
        "numpy", "pandas", "pydantic", "attr"
    ):
        return _serialize(o)  # NotEmulated, naming the type
    raise TypeError("cannot serialize object of type {}".format(type(o)))


def _serde_deserialize(o: Any) -> Any:
    if isinstance(o, list):
        return [_serde_deserialize(item) for item in o]
    if isinstance(o, dict):
        if CLASSNAME in o and VERSION in o:
            if o[CLASSNAME] in ("builtins.set", "builtins.frozenset", "builtins.tuple"):
                return _deserialize(dict(o, **{DATA: [_serde_deserialize(item) for item in o[DATA]]}))
            return _deserialize(o)
        return {str(key): _serde_deserialize(value) for key, value in o.items()}
    return o


def serialize_value(value: Any) -> str:
    if active().xcom_serialization == "serde":
        return json.dumps(serde_serialize(value))
    return json.dumps(value, cls=XComEncoder)


def deserialize_value(text: str) -> Any:
    if active().xcom_serialization == "serde":
        return _serde_deserialize(json.loads(text))
    return json.loads(text, object_hook=_hook)
