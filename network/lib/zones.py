import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone such as Europe/Brussels."), params={"value": value}
        )


def choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " ")) for name in sorted(available()) if "/" in name and not name.startswith("Etc/")
    ]
