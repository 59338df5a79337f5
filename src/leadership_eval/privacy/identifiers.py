"""Direct identifiers: drop them, or replace them with keyed pseudonyms.

A *direct identifier* (a name, an email address, a GMC number...) identifies a person on its own.
Items declared ``disclosure: direct`` in an instrument are dropped before anything else happens to
the data. The respondent id, which analysts need to link survey waves, is replaced with a *keyed
pseudonym*: an HMAC-SHA256 of the normalised value under a secret key, so the same person gets
the same pseudonym in every wave while anyone without the key can neither reverse it nor test a
guessed value against it (an unkeyed hash of an email address can be reversed by hashing a staff
list). :func:`find_identifier_columns` finds the identifier columns survey platforms add to an
export (record ids, e-mail and IP addresses, names, timestamps, device and location metadata).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._frames import check_frame, unhashable_positions
from ..errors import ArgumentError, ConfigurationError, DataError, InstrumentError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "IDENTIFIER_KINDS",
    "KEY_ENV",
    "MIN_KEY_LENGTH",
    "drop_direct_identifiers",
    "find_identifier_columns",
    "generate_key",
    "pseudonymise",
    "pseudonymise_column",
    "resolve_key",
]

#: Environment variable read for the pseudonym key when no key or key file is given.
KEY_ENV = "LEADERSHIP_EVAL_KEY"

#: Fewest bytes a key may have (128 bits).
MIN_KEY_LENGTH = 16

_HOW_TO_SET = (
    "create a key file with `leadership-eval generate-key PATH` (or generate_key(PATH) in Python), "
    "keep it out of the data folder and keep it for later waves, then pass key_file=PATH "
    f"(CLI: --key-file PATH) or put the key in the environment variable {KEY_ENV}"
)


def _columns_of(survey: Any, disclosure: str) -> list[str]:
    """Column names of one disclosure level: from a survey (or its id or file), a mapping
    ``{level: [columns]}``, or a list of the column names themselves."""
    from ..instruments.loader import as_survey
    from ..instruments.models import Survey

    if isinstance(survey, Survey | Path):
        return as_survey(survey).columns_with(disclosure)
    if isinstance(survey, str):
        try:
            return as_survey(survey).columns_with(disclosure)
        except InstrumentError:
            raise DataError(
                f"expected a survey or a list of column names, got a single string {survey!r} "
                f"that is no survey's id; pass [{survey!r}] to name one column",
                code="bad-argument",
            ) from None
    if isinstance(survey, Mapping):
        value = survey.get(disclosure, ())
        if value is None:  # {"direct": None}: no column of that level
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
            raise ArgumentError(
                f"the {disclosure!r} entry of the column mapping must be a column name or a "
                f"list of them, got {type(value).__name__} {value!r}"
            )
        return [str(c) for c in value]
    if survey is None or isinstance(survey, bytes) or not isinstance(survey, Iterable):
        raise ArgumentError(
            "expected a survey (or its id or file), a list of column names or a mapping such as "
            f"{{{disclosure!r}: [...]}}, got {type(survey).__name__} {survey!r}"
        )
    return [str(c) for c in survey]


def drop_direct_identifiers(
    data: pd.DataFrame, survey: Any, *, keep: Iterable[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """Drop the columns of direct identifiers.

    Parameters
    ----------
    data : pandas.DataFrame
        Response data, one row per respondent.
    survey : Survey, sequence of str or mapping
        A survey (the columns of its items with ``disclosure: direct`` are dropped, whether
        named by the item's id or by its ``column`` alias), the column names to drop, or a
        mapping whose ``"direct"`` entry lists them (None there: no column).
    keep : iterable of str, optional
        Columns never to drop (the pipeline keeps the respondent id, to pseudonymise it); one
        name given as text is that one column.

    Returns
    -------
    data : pandas.DataFrame
        A copy of ``data`` without those columns (rows and index unchanged).
    dropped : list of str
        The columns dropped, in ``data``'s column order.

    Notes
    -----
    A survey's direct identifiers that are absent from ``data`` are ignored (an export need not
    hold every item). Column names passed explicitly must all exist: a misspelt name would
    otherwise leave the identifier in the data, so it raises :class:`~leadership_eval.errors.DataError`.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.identifiers import drop_direct_identifiers
    >>> df = pd.DataFrame({"name": ["Ann", "Bo"], "email": ["a@x.org", "b@x.org"], "q1": [4, 5]})
    >>> out, dropped = drop_direct_identifiers(df, ["name", "email"])
    >>> list(out.columns), dropped
    (['q1'], ['name', 'email'])
    """
    from ..instruments.models import Survey

    explicit = isinstance(survey, Mapping) or not isinstance(survey, str | Path | Survey)
    check_frame(data, text_columns=explicit)
    wanted = _columns_of(survey, "direct")
    keep_set = set(_names(keep, "keep"))
    if explicit:
        missing = [c for c in wanted if c not in data.columns]
        if missing:
            raise DataError(
                f"cannot drop direct identifier column(s) {missing}: not in the data "
                f"(columns: {list(map(str, data.columns))})",
                code="unknown-column",
            )
    drop = set(wanted) - keep_set
    dropped = [str(c) for c in data.columns if c in drop]
    return data.drop(columns=dropped), dropped


def _names(value: Any, what: str) -> list[Any]:
    """A column argument as a list: one name (text) is a one-item list, None is empty."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes) or not isinstance(value, Iterable):
        raise ArgumentError(
            f"{what} must be a column name or a list of column names, got "
            f"{type(value).__name__} {value!r}"
        )
    return list(value)


def _read_key_file(path: str | os.PathLike[str]) -> bytes:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"pseudonym key file {p} does not exist; {_HOW_TO_SET}", code="missing-key"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"cannot read pseudonym key file {p}: {exc}") from exc
    return raw.strip()


def resolve_key(
    key: str | bytes | None = None,
    *,
    key_env: str = KEY_ENV,
    key_file: str | os.PathLike[str] | None = None,
) -> bytes:
    """Find the pseudonym key: the ``key`` argument, else ``key_file``, else ``$key_env``.

    Raises :class:`~leadership_eval.errors.ConfigurationError`, saying how to set one, when no key
    is found or it is shorter than :data:`MIN_KEY_LENGTH` bytes. A key file or a text key is
    trimmed of surrounding whitespace (a final newline); a ``bytes`` key is used as given.
    """
    if not isinstance(key_env, str) or not key_env:
        raise ArgumentError(
            f"key_env must be the name of an environment variable (text), got "
            f"{type(key_env).__name__} {key_env!r}; the default is {KEY_ENV!r}"
        )
    if key_file is not None and not isinstance(key_file, str | os.PathLike):
        raise ArgumentError(
            f"key_file must be a path (str or pathlib.Path), got {type(key_file).__name__} "
            f"{key_file!r}"
        )
    source: str
    if key is not None:
        if not isinstance(key, str | bytes | bytearray | memoryview):
            # bytes(32) is 32 zero bytes: a number must never pass for a key
            raise ArgumentError(
                f"the pseudonym key must be text or bytes, not {type(key).__name__}; {_HOW_TO_SET}"
            )
        # text keys are trimmed (a pasted newline); bytes are used exactly as given
        value = key.strip().encode("utf-8") if isinstance(key, str) else bytes(key)
        source = "the key argument"
    elif key_file is not None:
        value = _read_key_file(key_file)
        source = f"key file {Path(key_file)}"
    elif os.environ.get(key_env):
        value = os.environ[key_env].encode("utf-8").strip()
        source = f"environment variable {key_env}"
    else:
        raise ConfigurationError(
            f"no pseudonym key: none was given and {key_env} is not set; {_HOW_TO_SET}",
            code="missing-key",
        )
    if len(value) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"the pseudonym key from {source} is too short ({len(value)} bytes; at least "
            f"{MIN_KEY_LENGTH} needed, 32 random bytes recommended); {_HOW_TO_SET}",
            code="short-key",
        )
    return value


def generate_key(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a new random pseudonym key (32 random bytes, hex-encoded) to ``path``, mode 0600.

    An existing file is never replaced unless ``overwrite=True``: losing a key breaks the link
    between survey waves.

    Examples
    --------
    >>> import tempfile, os, stat
    >>> from leadership_eval.privacy.identifiers import generate_key
    >>> p = generate_key(os.path.join(tempfile.mkdtemp(), "pseudonym.key"))
    >>> oct(stat.S_IMODE(os.stat(p).st_mode)), len(p.read_text().strip())
    ('0o600', 64)
    """
    if not isinstance(path, str | os.PathLike) or (isinstance(path, str) and not path.strip()):
        raise ArgumentError(
            f"generate_key needs the path of the key file to write (str or pathlib.Path), got "
            f"{type(path).__name__} {path!r}"
        )
    p = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(p, flags, 0o600)
    except FileExistsError as exc:
        raise ConfigurationError(
            f"key file {p} already exists; not replaced (pass overwrite=True to replace it: "
            "pseudonyms made with the old key will no longer match)",
            code="key-exists",
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"cannot create key file {p}: {exc}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(p, 0o600)
    return p


def _normalise(value: Any) -> str:
    """The text that is hashed: see :func:`pseudonymise` (Notes)."""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = " ".join(text.split())
    if "@" in text:
        text = text.casefold()
    return text


def _digest(key: bytes, text: str, prefix: str, length: int) -> str:
    mac = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    return prefix + base64.b32encode(mac).decode("ascii")[:length]


def pseudonymise(
    values: Any,
    key: str | bytes | None = None,
    *,
    key_env: str = KEY_ENV,
    key_file: str | os.PathLike[str] | None = None,
    prefix: str = "P",
    length: int = 12,
) -> Any:
    """Replace identifiers with keyed pseudonyms, stable across survey waves.

    Parameters
    ----------
    values : pandas.Series, sequence or scalar
        The identifiers (respondent ids, email addresses, GMC numbers...).
    key : str or bytes, optional
        The secret key (at least 16 bytes). When omitted it is read from ``key_file``, else from
        the environment variable named by ``key_env``. The key is never written to any output.
    key_env : str, default ``"LEADERSHIP_EVAL_KEY"``
        Environment variable holding the key.
    key_file : path, optional
        A file holding the key (see :func:`generate_key`).
    prefix : str, default ``"P"``
        Put before each pseudonym.
    length : int, default 12
        Number of base32 characters kept (5 bits each: 12 keep 60 bits; 1 to 52).

    Returns
    -------
    pandas.Series or str
        A series with the same index and name (missing values stay missing), or one pseudonym
        for a scalar input.

    Notes
    -----
    The pseudonym of a value :math:`v` is ``prefix`` followed by the first ``length``
    characters of :math:`\\mathrm{base32}(\\mathrm{HMAC\\text{-}SHA256}(K, n(v)))`, where the
    normalisation :math:`n` turns the value into text (an integral float such as ``1234.0``
    becomes ``"1234"``, so ids read as numbers match ids read as text), trims it and collapses
    inner runs of whitespace to one space, and casefolds values that contain ``@`` (email
    addresses: ``Ann.Lee@NHS.net`` and ``ann.lee@nhs.net`` are the same person). Nothing else is
    changed: ``"0123"`` and ``"123"`` differ. The same key gives the same pseudonym in every
    wave; another key gives unrelated pseudonyms. Each distinct value is hashed once. Two
    different values getting the same pseudonym (probability about :math:`n^2 / 2^{5L+1}`) is
    detected and raises :class:`~leadership_eval.errors.DataError`, asking for a larger
    ``length``.

    References
    ----------
    Krawczyk H, Bellare M, Canetti R. HMAC: Keyed-Hashing for Message Authentication. RFC 2104,
    IETF; 1997. https://doi.org/10.17487/RFC2104

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.identifiers import pseudonymise
    >>> ids = pd.Series(["ann.lee@nhs.net", " Ann.Lee@NHS.net", None, "bo@nhs.net"])
    >>> p = pseudonymise(ids, key="a demonstration key, not a secret")
    >>> p[0] == p[1], p[0] == p[3], bool(p.isna()[2]), len(p[0])
    (True, False, True, 13)
    """
    import numpy as np
    import pandas as pd

    if isinstance(length, bool) or not isinstance(length, int | np.integer):
        raise ArgumentError(f"length must be a whole number, not {length!r}")
    if not 1 <= int(length) <= 52:
        raise ConfigurationError(f"length must be between 1 and 52, got {length}")
    if not isinstance(prefix, str):
        raise ArgumentError(f"prefix must be text, not {type(prefix).__name__}")
    length = int(length)
    if isinstance(values, pd.DataFrame):
        # a frame's iteration gives its column names, which would be hashed in place of its ids
        raise ArgumentError(
            "pseudonymise takes one column of identifiers (a Series), not a DataFrame"
            + (
                f" (this one has {values.shape[1]} columns: {list(map(str, values.columns))})"
                if values.shape[1] != 1
                else "; select its column with frame[name]"
            )
        )
    if isinstance(values, Mapping | AbstractSet | Iterator):
        raise ArgumentError(
            f"pseudonymise takes a Series, list, tuple, array or one value, not "
            f"{type(values).__name__} (a set or mapping has no order to keep, and an iterator "
            "would be read as one value)"
        )
    k = resolve_key(key, key_env=key_env, key_file=key_file)
    scalar = np.ndim(values) == 0 and not isinstance(values, pd.Series)
    if scalar:
        if pd.isna(values):
            return values
        return _digest(k, _normalise(values), prefix, length)
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # distinct raw values can share a normalised form (case of an email, 12 vs 12.0)
    normalised = [_normalise(v) for v in uniques]
    digests: dict[str, str] = {}
    for text in dict.fromkeys(normalised):
        digests[text] = _digest(k, text, prefix, length)
    if len(set(digests.values())) < len(digests):
        raise DataError(
            f"two different values got the same pseudonym at length={length}; use a larger length",
            code="pseudonym-collision",
        )
    table = np.array([digests[t] for t in normalised] + [None], dtype=object)
    out = table[codes]  # code -1 (missing) picks the trailing None
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def pseudonymise_column(
    data: pd.DataFrame,
    column: str,
    key: str | bytes | None = None,
    *,
    key_env: str = KEY_ENV,
    key_file: str | os.PathLike[str] | None = None,
    prefix: str = "P",
    length: int = 12,
) -> pd.DataFrame:
    """Return a copy of ``data`` with ``column`` replaced by keyed pseudonyms.

    The arguments after ``column`` are those of :func:`pseudonymise`.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.identifiers import pseudonymise_column
    >>> df = pd.DataFrame({"rid": [101, 102], "q1": [4, 5]})
    >>> out = pseudonymise_column(df, "rid", key="a demonstration key, not a secret")
    >>> bool(out["rid"].str.startswith("P").all()), out["q1"].tolist()
    (True, [4, 5])
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise ArgumentError(
            f"pseudonymise_column takes a DataFrame, not {type(data).__name__} (pseudonymise "
            "takes a single column)"
        )
    try:
        present = column in data.columns
    except TypeError:  # an unhashable name (a list of columns)
        present = False
    if not present:
        raise DataError(
            f"cannot pseudonymise column {column!r}: not in the data "
            f"(columns: {list(map(str, data.columns))})",
            code="unknown-column",
        )
    if int((data.columns == column).sum()) > 1:
        raise DataError(
            f"cannot pseudonymise column {column!r}: the data has {int((data.columns == column).sum())} "
            "columns of that name; rename them first",
            code="duplicate-column",
        )
    out = data.copy()
    out[column] = pseudonymise(
        data[column], key, key_env=key_env, key_file=key_file, prefix=prefix, length=length
    )
    return out


# --------------------------------------------------------------------------- identifier columns

#: The kinds of identifier-like column :func:`find_identifier_columns` recognises, with what each
#: holds.
IDENTIFIER_KINDS: dict[str, str] = {
    "record-id": "the survey platform's record id",
    "email": "an e-mail address",
    "ip-address": "an IP address",
    "name": "a person's name",
    "timestamp": "a timestamp or timing (start, end, submission, duration)",
    "device": "device metadata (device id, browser, user agent)",
    "location": "location metadata (latitude, longitude, geolocation)",
    "contact": "contact details (phone number, postal address, postcode)",
    "personal-number": "a personal number (GMC, NHS or National Insurance number, staff "
    "number, date of birth)",
}

# Column names (lower case, letters and digits only, after any ``group/`` prefix) of the
# identifier columns survey platforms export: Qualtrics, SurveyMonkey, Microsoft and Google
# Forms, LimeSurvey, REDCap, ODK Central and KoboToolbox.
_NAMES: dict[str, frozenset[str]] = {
    "record-id": frozenset(
        {
            "recordid",
            "responseid",
            "respondentid",
            "responseno",
            "responsenumber",
            "submissionid",
            "uuid",
            "id",
            "index",
            "parentindex",
            "rowid",
            "instanceid",
            "instancename",
            "rootuuid",
            "deprecatedid",
            "key",
            "externalreference",
            "externaldatareference",
            "externalref",
            "collectorid",
            "token",
            "redcapsurveyidentifier",
            "unnamed0",
        }
    ),
    "email": frozenset({"mail"}),
    "ip-address": frozenset(
        {"ip", "ipaddress", "ipaddr", "ipv4", "ipv6", "remoteaddr", "remoteaddress", "clientip"}
    ),
    "name": frozenset(
        {
            "name",
            "firstname",
            "lastname",
            "surname",
            "fullname",
            "forename",
            "forenames",
            "givenname",
            "familyname",
            "middlename",
            "initials",
            "respondentname",
            "participantname",
            "contactname",
            "yourname",
            "displayname",
            "username",
            "submittedby",
        }
    ),
    "timestamp": frozenset(
        {
            "start",
            "end",
            "starttime",
            "endtime",
            "startdate",
            "enddate",
            "startedat",
            "endedat",
            "started",
            "submitdate",
            "submissiondate",
            "submissiontime",
            "submittedat",
            "submitted",
            "datesubmitted",
            "recordeddate",
            "timestamp",
            "datestamp",
            "today",
            "completiontime",
            "completedat",
            "lastmodifiedtime",
            "lastmodified",
            "createdat",
            "updatedat",
            "duration",
            "durationinseconds",
            "timetaken",
            "totaltime",
            "interviewtime",
        }
    ),
    "device": frozenset(
        {
            "deviceid",
            "device",
            "devicetype",
            "simserial",
            "subscriberid",
            "imei",
            "useragent",
            "browser",
            "browserversion",
            "operatingsystem",
            "screenresolution",
            "refurl",
            "referrer",
            "referer",
            "httpreferer",
        }
    ),
    "location": frozenset(
        {
            "latitude",
            "longitude",
            "lat",
            "lon",
            "lng",
            "geolocation",
            "geopoint",
            "gps",
            "coordinates",
            "location",
            "locationaccuracy",
            "altitude",
        }
    ),
    "contact": frozenset(
        {
            "phone",
            "telephone",
            "tel",
            "mobile",
            "mobilenumber",
            "contact",
            "contactdetails",
            "contactinfo",
            "contactnumber",
            "address",
            "postaladdress",
            "homeaddress",
            "streetaddress",
            "postcode",
            "zipcode",
            "zip",
        }
    ),
    "personal-number": frozenset(
        {
            "gmc",
            "gmcnumber",
            "gmcno",
            "nhsnumber",
            "nhsno",
            "ninumber",
            "nino",
            "nationalinsurancenumber",
            "staffnumber",
            "staffid",
            "employeenumber",
            "employeeid",
            "payrollnumber",
            "dob",
            "dateofbirth",
            "birthdate",
        }
    ),
}

# name parts that mark a kind wherever they occur in the (normalised) name
_CONTAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email",)),
    ("ip-address", ("ipaddress",)),
    ("name", ("firstname", "lastname", "surname", "fullname", "forename")),
    ("timestamp", ("timestamp",)),
    ("device", ("deviceid", "useragent", "browser")),
    ("location", ("latitude", "longitude", "geolocation")),
    ("contact", ("phone", "postcode", "address")),
)

# structured personal data found by the redaction rules, by identifier kind
_SPAN_KINDS = {
    "EMAIL": "email",
    "PHONE": "contact",
    "POSTCODE": "contact",
    "NHS_NUMBER": "personal-number",
    "NI_NUMBER": "personal-number",
    "GMC_NUMBER": "personal-number",
    "DATE_OF_BIRTH": "personal-number",
}


def _name_key(name: Any) -> str:
    import re

    text = str(name).strip().lower().rpartition("/")[2]
    return re.sub(r"[^a-z0-9]", "", text)


def _kind_by_name(name: Any) -> str | None:
    key = _name_key(name)
    if not key:
        return None
    for kind, names in _NAMES.items():
        if key in names:
            return kind
    for kind, parts in _CONTAINS:
        if any(p in key for p in parts):
            return kind
    return None


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _kinds_by_values(values: Any, weights: Any) -> dict[str, float]:
    """Share of the answers (``values`` counted ``weights`` times) holding each kind."""
    import re

    import pandas as pd

    from .text import find_personal_data

    total = float(sum(weights))
    if total == 0:
        return {}
    if isinstance(values.dtype, pd.DatetimeTZDtype) or values.dtype.kind == "M":
        stamps = pd.Series(values)
        timed = (stamps.notna() & (stamps != stamps.dt.normalize())).to_numpy()
        share = float((timed * weights).sum()) / total
        return {"timestamp": share} if share else {}
    if values.dtype.kind in "biufc":
        return {}
    stamp = re.compile(
        r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})[ T,]+\d{1,2}:\d{2}"
    )
    counts: dict[str, float] = {}
    for value, weight in zip(values, weights, strict=True):
        text = str(value).strip()
        if not text:
            continue
        found: set[str] = set()
        if _is_ip(text):
            found.add("ip-address")
        elif stamp.match(text):
            found.add("timestamp")
        else:
            found.update(
                _SPAN_KINDS[s.type] for s in find_personal_data(text) if s.type in _SPAN_KINDS
            )
        for kind in found:
            counts[kind] = counts.get(kind, 0.0) + float(weight)
    return {kind: n / total for kind, n in counts.items()}


def _unhashable(series: pd.Series, column: Any) -> DataError:
    """The error for a column holding lists, sets or dicts, naming the first such row."""
    import pandas as pd

    found = unhashable_positions(series, first=True)
    if found:
        label, value = series.index[found[0]], series.iloc[found[0]]
        return DataError(
            f"column {column!r} holds a {type(value).__name__} in row {label!r} (and maybe "
            "others): find_identifier_columns examines one value per cell; turn such cells "
            "into text first (e.g. data[col].astype(str)) so the values can be examined",
            code="unhashable-value",
            failure_cases=pd.DataFrame({"row": [label], "column": [column]}),
        )
    return DataError(  # pragma: no cover - factorize failed on hashable values
        f"column {column!r} holds values that cannot be compared", code="unhashable-value"
    )


def _check_search_options(min_share: Any, sample: Any, by_name: Any, by_values: Any) -> None:
    """The options of :func:`find_identifier_columns`, checked."""
    import numpy as np

    if isinstance(min_share, bool) or not isinstance(min_share, int | float):
        raise DataError(f"min_share must be a number, got {min_share!r}", code="bad-argument")
    if not 0 <= min_share <= 1:
        raise DataError(f"min_share must be between 0 and 1, got {min_share}", code="bad-argument")
    if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
        raise ArgumentError(
            f"sample must be a whole number of distinct values to examine (1 or more), got "
            f"{type(sample).__name__} {sample!r}"
        )
    if sample < 1:
        raise DataError(
            f"sample must be a whole number of distinct values to examine (1 or more), got "
            f"{sample}",
            code="bad-argument",
        )
    for flag, given in (("by_name", by_name), ("by_values", by_values)):
        if not isinstance(given, bool | np.bool_):
            raise ArgumentError(f"{flag} must be True or False, got {given!r}")


def find_identifier_columns(
    data: pd.DataFrame,
    columns: Iterable[Any] | None = None,
    *,
    by_name: bool = True,
    by_values: bool = True,
    min_share: float = 0.0,
    sample: int = 200,
) -> pd.DataFrame:
    """Find the columns that look like identifiers, by their names and by their values.

    Survey exports carry more than the answers: the platform's record id, the respondent's
    e-mail address and name, the IP address, start and submission times, device and location
    metadata. Any of them identifies a respondent, or links a row to a platform's records.
    :func:`~leadership_eval.privacy.pipeline.anonymise` uses this function to drop them (and to
    refuse to keep them unless asked by name).

    Parameters
    ----------
    data : pandas.DataFrame
        The data (any index).
    columns : iterable, optional
        The columns to examine (default: all); one name given as text is that one column.
    by_name : bool, default True
        Recognise the names survey platforms give identifier columns (``RecipientEmail``,
        ``IPAddress``, ``StartDate``, ``_submission_time``, ``meta/instanceID``...), compared
        ignoring case, punctuation and a ``group/`` prefix.
    by_values : bool, default True
        Look at the values: IP addresses, date-times (a date with a time of day), and the
        structured personal data of :func:`~leadership_eval.privacy.text.find_personal_data`
        (e-mail addresses, phone numbers, postcodes, NHS, GMC and National Insurance numbers,
        dates of birth).
    min_share : float, default 0
        Share of the answers examined that must hold an identifier of one kind for the values
        to count (0: any one answer).
    sample : int, default 200
        How many distinct non-missing values of a column to examine (each counted as often as
        it occurs): a whole number of at least 1.

    Returns
    -------
    pandas.DataFrame
        One row per identifier-like column, in the data's column order: ``column``, ``kind``
        (a key of :data:`IDENTIFIER_KINDS`), ``evidence`` (``name``, ``values`` or ``name and
        values``), ``share`` (share of the answers examined holding that kind; NaN when only
        the name matched) and ``reason`` (a sentence naming the kind and the evidence).
        Values are never copied into the frame.

    Notes
    -----
    The name lists are written from the export formats of Qualtrics, SurveyMonkey, Microsoft
    and Google Forms, LimeSurvey, REDCap, ODK Central and KoboToolbox. A name match takes
    precedence over the values; without one, the kind held by the largest share of values is
    reported. A column of numbers is judged by its name only (a phone number stored as a
    number is not recognised by its value).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.identifiers import find_identifier_columns
    >>> export = pd.DataFrame({
    ...     "ResponseId": ["R_1a", "R_2b"],
    ...     "IPAddress": ["192.0.2.10", "198.51.100.7"],
    ...     "Contact me": ["a.okafor@nhs.net", None],
    ...     "StartDate": ["2025-03-01 09:00:12", "2025-03-02 14:31:40"],
    ...     "grade": ["fy1", "core"],
    ... })
    >>> find_identifier_columns(export)[["column", "kind", "evidence"]]
           column        kind           evidence
    0  ResponseId   record-id               name
    1   IPAddress  ip-address  name and values
    2  Contact me       email             values
    3   StartDate   timestamp  name and values
    """
    import numpy as np
    import pandas as pd

    check_frame(data)
    _check_search_options(min_share, sample, by_name, by_values)
    if columns is not None and not isinstance(columns, str) and not isinstance(columns, Iterable):
        wanted = [columns]  # one name that is not text (a number)
    else:
        # one name given as text is one column, not its letters
        wanted = list(data.columns) if columns is None else _names(columns, "columns")

    def present(name: Any) -> bool:
        try:
            return name in data.columns
        except TypeError:  # an unhashable "name" (a list inside the list)
            return False

    unknown = [c for c in wanted if not present(c)]
    if unknown:
        raise DataError(
            f"column(s) {unknown} are not in the data (columns: {list(map(str, data.columns))})",
            code="unknown-column",
        )
    rows: list[dict[str, Any]] = []
    for col in [c for c in data.columns if c in wanted]:
        by_n = _kind_by_name(col) if by_name else None
        shares: dict[str, float] = {}
        if by_values:
            series = data[col]
            if isinstance(series, pd.DataFrame):  # repeated column names
                series = series.iloc[:, 0]
            try:
                codes, uniques = pd.factorize(series, use_na_sentinel=True)
            except TypeError:  # a list, set or dict in a cell: not a value to examine
                raise _unhashable(series, col) from None
            seen = np.bincount(codes[codes >= 0], minlength=len(uniques))[:sample]
            shares = {
                kind: share
                for kind, share in _kinds_by_values(
                    pd.Series(uniques[:sample], dtype=series.dtype), seen
                ).items()
                if share > 0 and share >= min_share
            }
        if by_n is None and not shares:
            continue
        if by_n is not None:
            kind = by_n
            evidence = "name and values" if kind in shares else "name"
        else:
            kind = max(shares, key=lambda kd: (shares[kd], kd))
            evidence = "values"
        share = shares.get(kind, np.nan)
        what = IDENTIFIER_KINDS[kind]
        if evidence == "name":
            how = "its name"
        else:
            pct = f"{share:.0%}" if share < 1 else "all"
            how = ("its name, and " if by_n is not None else "") + f"{pct} of its values"
        rows.append(
            {
                "column": col,
                "kind": kind,
                "evidence": evidence,
                "share": float(share),
                "reason": f"looks like {what} (by {how})",
            }
        )
    return pd.DataFrame(rows, columns=["column", "kind", "evidence", "share", "reason"])
