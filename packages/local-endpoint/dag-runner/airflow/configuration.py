"""airflow.configuration.conf for the runner: options come from AIRFLOW__<SECTION>__<KEY> variables,
as Airflow reads them (and as MWAA sets one per AirflowConfigurationOptions entry)."""
import os

from airflow.exceptions import AirflowException

_MISSING = object()


class AirflowConfigException(AirflowException):
    pass


class _EnvironmentConfig:
    @staticmethod
    def _variable(section: str, key: str) -> str:
        return "AIRFLOW__{}__{}".format(section.upper(), key.upper())

    def get(self, section: str, key: str, fallback=_MISSING, **_kwargs):
        value = os.environ.get(self._variable(section, key))
        if value is not None:
            return value
        if fallback is not _MISSING:
            return fallback
        raise AirflowConfigException(
            "section/key [{}/{}] not found in config (set {})".format(section, key, self._variable(section, key))
        )

    def has_option(self, section: str, key: str) -> bool:
        return self._variable(section, key) in os.environ

    def getboolean(self, section: str, key: str, fallback=_MISSING, **kwargs) -> bool:
        value = self.get(section, key, fallback=fallback, **kwargs)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("t", "true", "1"):
            return True
        if text in ("f", "false", "0"):
            return False
        raise AirflowConfigException(
            'Failed to convert value to bool. Please check "{}" key in "{}" section. Current value: "{}".'.format(
                key, section, value
            )
        )

    def getint(self, section: str, key: str, fallback=_MISSING, **kwargs) -> int:
        value = self.get(section, key, fallback=fallback, **kwargs)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise AirflowConfigException(
                'Failed to convert value to int. Please check "{}" key in "{}" section. Current value: "{}".'.format(
                    key, section, value
                )
            ) from None


conf = _EnvironmentConfig()
