"""Simulated survey responses: realistic "raw" data for any survey, for tests, demos and power.

:func:`simulate_responses` draws a latent trait per scale (correlated across scales), answers
each scale's items through that trait (ordinal cut points mapped onto the items' codes, reverse
keyed items reversed), and fills every other item with plausible answers: skewed frequencies for
quasi-identifiers, numbers within their bounds, dates, short free-text comments from a phrase
bank, multi_choice selections. Missing answers and declared missing codes ("prefer not to say")
appear at the rates asked for, and items hidden by skip logic are blank. Everything is drawn from
one seeded :class:`numpy.random.Generator` and vectorised, so a million respondents take seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ArgumentError, ConfigurationError
from .instruments.loader import as_survey
from .instruments.models import ChoiceList, Item, Survey

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from .instruments.expressions import Expression

__all__ = ["PHRASES", "simulate_responses"]

PHRASES: tuple[str, ...] = (
    "More protected time for leadership projects would help.",
    "My mentor helped me find a quality improvement project.",
    "I did not know the scheme existed until this year.",
    "Rota pressures make it hard to attend sessions.",
    "The leadership workshops were useful.",
    "I would value more feedback from my supervisor.",
    "It was good to meet trainees from other specialties.",
    "Sessions clashed with clinical commitments.",
    "The mentor was approachable and well organised.",
    "I felt more confident leading a team after the course.",
    "Information about opportunities came too late.",
    "Online sessions made it easier to take part.",
    "I would like more opportunities to chair meetings.",
    "Managers were supportive of the audit.",
    "It helped me understand how the trust board works.",
    "Not applicable to my current rotation.",
    "Clearer guidance on what counts as leadership would help.",
    "I have recommended the scheme to colleagues.",
    "Hard to find a project that fitted my placement.",
    "More recognition of leadership work in the portfolio.",
)
"""The phrase bank free-text answers are drawn from (no names, no identifying detail)."""

_TRAIT_CORRELATION = 0.35  # correlation of the latent traits of different scales
_GENERAL_LOADING = 0.5  # loading of ordered items outside any scale on the general factor
_TEXT_ANSWER_RATE = 0.35  # share of respondents who write anything in an optional text box
_BASE_DATE = "2025-01-01"  # dates fall in the two years before this day


def _generator(seed: Any) -> np.random.Generator:
    """The random generator of ``seed`` (a whole number of 0 or more, or None for fresh
    entropy; numpy's own seed objects work too): ArgumentError for another type,
    ConfigurationError for a negative number."""
    import numpy as np

    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed < 0:
        raise ConfigurationError(
            f"seed must be a whole number of 0 or more (or None); found {seed!r}",
            code="invalid-option",
        )
    if isinstance(seed, bool | str | bytes | float | np.floating):
        raise ArgumentError(
            f"seed must be a whole number of 0 or more (or None), not {type(seed).__name__}: "
            f"{seed!r}"
        )
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            f"seed must be a whole number of 0 or more (or None), not {type(seed).__name__}: "
            f"{seed!r} ({exc})"
        ) from exc


def _check_rate(name: str, value: float) -> float:
    if not isinstance(value, int | float) or not 0 <= value <= 1 or isinstance(value, bool):
        raise ConfigurationError(f"{name} must be a share between 0 and 1; found {value!r}")
    return float(value)


def _ordered_codes(cl: ChoiceList) -> list[Any]:
    codes = list(cl.codes)
    if cl.numeric:
        codes = sorted(codes, key=float)
    return codes


def _code_array(codes: Sequence[Any], idx: np.ndarray, blank: np.ndarray) -> pd.Series:
    """Codes picked by ``idx`` as a raw-form column: Int64 for numeric codes, else strings."""
    import numpy as np
    import pandas as pd

    if codes and all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
        values = np.asarray(codes, dtype=np.int64)[np.where(blank, 0, idx)]
        return pd.Series(pd.arrays.IntegerArray(values, blank.copy()))
    table = np.asarray([str(c) for c in codes], dtype=object)
    out = table[np.where(blank, 0, idx)]
    out[blank] = None
    return pd.Series(out, dtype="str")


def _cut_points(rng: np.random.Generator, k: int) -> np.ndarray:
    """Thresholds on a standard-normal latent giving a realistic, agreement-skewed spread."""
    import numpy as np
    from scipy.special import ndtri

    p_top = rng.uniform(0.55, 0.68)
    pmf = np.array([math.comb(k - 1, j) * p_top**j * (1 - p_top) ** (k - 1 - j) for j in range(k)])
    p = 0.85 * pmf + 0.15 / k
    cum = np.cumsum(p)[:-1]
    return ndtri(cum) + rng.normal(0.0, 0.15)  # type: ignore[no-any-return]


def _skewed_probabilities(rng: np.random.Generator, k: int) -> np.ndarray:
    """A few common categories and a long tail (Zipf-like, in a random order)."""

    ranks = rng.permutation(k) + 1.0
    w = ranks ** -rng.uniform(0.9, 1.4)
    return w / w.sum()  # type: ignore[no-any-return]


def _resolve_groups(
    survey: Survey,
    n: int,
    groups: Mapping[Any, int] | Sequence[Any] | pd.Series | None,
    rng: np.random.Generator,
) -> np.ndarray | None:
    import numpy as np
    import pandas as pd

    if groups is None:
        return None
    if survey.group_by is None:
        raise ConfigurationError(
            f"survey {survey.id!r} has no group_by item, so groups cannot be assigned",
            code="no-group-by",
        )
    if isinstance(groups, Mapping):
        sizes = {g: int(s) for g, s in groups.items()}
        if any(s < 0 for s in sizes.values()):
            raise ConfigurationError("group sizes must not be negative", code="invalid-groups")
        total = sum(sizes.values())
        if total != n:
            raise ConfigurationError(
                f"the group sizes add up to {total}, but n is {n}", code="invalid-groups"
            )
        labels = np.empty(len(sizes), dtype=object)
        labels[:] = list(sizes)
        values = np.repeat(labels, list(sizes.values()))[rng.permutation(n)]
    else:
        seq = groups.to_numpy(dtype=object) if isinstance(groups, pd.Series) else list(groups)
        values = np.empty(len(seq), dtype=object)
        values[:] = seq
        if len(values) != n:
            raise ConfigurationError(
                f"groups has {len(values)} values, but n is {n}", code="invalid-groups"
            )
    item = survey.item(survey.group_by)
    cl = survey.choices_for(item)
    if cl is not None:
        allowed = {str(c) for c in cl.all_codes}
        unknown = sorted({str(v) for v in values if str(v) not in allowed})
        if unknown:
            raise ConfigurationError(
                f"group value(s) {', '.join(map(repr, unknown[:10]))} are not codes of "
                f"{survey.group_by!r}'s choice list {item.choices!r}",
                code="invalid-groups",
            )
    return values


def _group_column(item: Item, cl: ChoiceList | None, values: np.ndarray) -> pd.Series:
    import numpy as np
    import pandas as pd

    if cl is not None:
        codes = list(cl.all_codes)
        index = {str(c): i for i, c in enumerate(codes)}
        idx = np.fromiter((index[str(v)] for v in values), dtype=np.int64, count=len(values))
        return _code_array(codes, idx, np.zeros(len(values), dtype=bool))
    if item.type == "number":
        return pd.Series(pd.to_numeric(pd.Series(values)), dtype="float64")
    return pd.Series(values, dtype="str")


def _shown(
    expr: Expression, columns: Mapping[str, pd.Series], item_types: Mapping[str, str], n: int
) -> np.ndarray:
    """Where ``expr`` shows an item, evaluated once per distinct combination of the answers it
    reads (a handful, even for a million respondents) and mapped back to every row."""
    import numpy as np
    import pandas as pd

    names = sorted(expr.names)
    frame = pd.DataFrame({name: columns[name] for name in names})
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for name in names:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        size = len(uniques) + 1
        if radix * size >= 2**62:  # too many combinations to encode: evaluate every row
            return expr.evaluate(frame, item_types=item_types).to_numpy(dtype=bool)
        key += (codes.astype(np.int64) + 1) * radix
        radix *= size
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    distinct = frame.iloc[first].reset_index(drop=True)
    return expr.evaluate(distinct, item_types=item_types).to_numpy(dtype=bool)[inverse]


def simulate_responses(
    survey: Survey | str | Path,
    n: int,
    *,
    groups: Mapping[Any, int] | Sequence[Any] | pd.Series | None = None,
    group_effects: Mapping[Any, float] | None = None,
    seed: int | None = 0,
    missing_rate: float = 0.03,
    missing_code_rate: float = 0.02,
    declined: float = 0.0,
) -> pd.DataFrame:
    """Simulate ``n`` respondents' answers to ``survey``, in raw form.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    n : int
        Number of respondents.
    groups : mapping of group value to size, or a sequence / Series of n group values, optional
        Values of the survey's ``group_by`` item (e.g. trust codes). A mapping's sizes must add
        up to ``n`` (respondents are then shuffled); a sequence is used in its order. Without
        it, the group item is drawn like any other quasi-identifier.
    group_effects : mapping of group value to float, optional
        A shift, in standard deviations, of every scale's latent trait for that group.
    seed : int or None
        Seed of the :class:`numpy.random.Generator` (a whole number of 0 or more); the same
        seed gives the same data. Text, a fraction or True/False is an
        :class:`~leadership_eval.errors.ArgumentError`.
    missing_rate : float
        Share of answers left blank (item non-response), for items that are not ``required``.
    missing_code_rate : float
        Share of answers replaced by one of the item list's declared missing codes (for lists
        that declare any), e.g. "prefer not to say".
    declined : float
        Share of respondents who open the survey and decline to take part: they answer the
        consent question (an item tagged ``consent``) with another option than its first and
        see nothing more. Default none: most analyses start from those who agreed; a platform's
        full export holds the others too (``declined=0.03`` gives a few such rows).

    Returns
    -------
    pandas.DataFrame
        One row per respondent (index 0..n-1; ``n=0`` gives no rows and the same columns and
        types), one column per question (notes have none), in
        survey order, in the library's raw form: codes (nullable ``Int64`` for numeric codes,
        strings otherwise), multi_choice as space-separated codes, numbers as floats, dates as
        ``YYYY-MM-DD`` strings, text as strings; NA for blank or hidden answers. When the
        survey names a ``respondent_id``, its column holds ``R00001``, ``R00002``, ...: the
        first column when it is platform metadata (not an item), as exports put it.

    Notes
    -----
    The generating model, for respondent :math:`p`:

    * scale traits :math:`\\theta_{ps} = \\sqrt{\\rho}\\, g_p + \\sqrt{1-\\rho}\\, e_{ps} + \\delta_{group(p)}`
      with :math:`g, e \\sim N(0, 1)`, :math:`\\rho = 0.35` (so traits of different scales
      correlate about 0.35) and :math:`\\delta` the group effect;
    * an ordered item :math:`i` of scale :math:`s` has a latent response
      :math:`y_{pi} = \\lambda_i \\theta_{ps} + \\sqrt{1-\\lambda_i^2}\\, \\varepsilon_{pi}` with
      loadings :math:`\\lambda_i \\sim U(0.55, 0.8)`, cut into the list's categories at thresholds
      giving an agreement-skewed spread (a binomial shape mixed with a uniform one); reverse-keyed
      items take the mirrored category. Ordered items outside a scale load 0.5 on :math:`g`;
    * unordered choices follow Zipf-like probabilities (a few common answers and a long tail);
      multi_choice options are selected independently (probabilities 0.1-0.6, at least one;
      an ``exclusive`` option, "none of these", is chosen alone by 8 % of respondents; with
      ``max_choices``, a random choice of that many is kept from a longer selection);
      an item with a ``choice_filter`` is answered with one of the options the filter offers
      that respondent (Zipf-like preferences among them), and left blank when it offers none;
      a consent question (an item tagged ``consent``) is answered with its first option, the
      agreement, except by a share ``declined`` of respondents (who see nothing more);
      numbers outside scales are right-skewed counts, a Beta(1.1, 8) shape between min and
      max (0-100 when unbounded, rounded when ``integer``); dates fall in the two years before 2025-01-01; free text is answered by about
      a third of respondents with one or two phrases from :data:`PHRASES`;
    * answers are replaced by declared missing codes at ``missing_code_rate`` and blanked at
      ``missing_rate``, then each item's ``show_if`` is evaluated on the answers so far (in item
      order) and hidden items are blanked, as a survey platform would.

    Examples
    --------
    >>> import leadership_eval as le
    >>> survey = le.datasets.example_survey()
    >>> df = simulate_responses(survey, 500, seed=1)
    >>> df.shape, list(df.columns)[:5], df["rid"].iloc[0]
    ((500, 10), ['rid', 'trust', 'grade', 'q1', 'q2'], 'R00001')
    >>> bool(df["q1"].dropna().isin([1, 2, 3, 4, 5, 9]).all())
    True
    """
    import numpy as np
    import pandas as pd

    from .instruments.expressions import parse_expression

    survey = as_survey(survey)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ConfigurationError(f"n must be a whole number of respondents; found {n!r}")
    n = int(n)
    missing_rate = _check_rate("missing_rate", missing_rate)
    missing_code_rate = _check_rate("missing_code_rate", missing_code_rate)
    declined = _check_rate("declined", declined)
    rng = _generator(seed)

    group_values = _resolve_groups(survey, n, groups, rng)
    shift = _shifts(group_values, group_effects, n)
    gen = _Generator(survey, n, rng, shift, missing_code_rate, declined)
    item_types = {it.id: it.type for it in survey.items}
    columns: dict[str, pd.Series] = {}
    shown_by: dict[str, np.ndarray] = {}
    item_ids = {it.id for it in survey.items}
    platform_id = survey.respondent_id if survey.respondent_id not in item_ids else None
    for item in survey.questions:
        cl = survey.choices_for(item)
        can_miss = not item.required
        if item.id == survey.respondent_id:
            col = _respondent_ids(n, numeric=item.type == "number")
            can_miss = False
        elif item.id == survey.group_by and group_values is not None:
            col = _group_column(item, cl, group_values)
            can_miss = False
        else:
            col = gen.column(item, cl)
        if item.choice_filter and cl is not None:
            col = _filtered_choice(item, cl, col, columns, item_types, n, rng)
        if can_miss and missing_rate > 0:
            drop = rng.random(n) < missing_rate
            if drop.any():
                col = col.mask(drop)
        if item.show_if:
            # the columns an expression reads are final once simulated, so an expression
            # shared by several items (a section's filter) is evaluated once
            shown = shown_by.get(item.show_if)
            if shown is None:
                shown = _shown(parse_expression(item.show_if), columns, item_types, n)
                shown_by[item.show_if] = shown
            if not shown.all():
                col = col.mask(~shown)
        columns[item.id] = col.reset_index(drop=True)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    if platform_id is not None:  # the platform's own record id, exported as a column
        frame.insert(0, platform_id, _respondent_ids(n, numeric=False))
    return frame


def _shifts(group_values: Any, group_effects: Mapping[Any, float] | None, n: int) -> np.ndarray:
    """Each respondent's shift of every trait: the effect of their group."""
    import numpy as np
    import pandas as pd

    shift = np.zeros(n)
    if not group_effects:
        return shift
    if group_values is None:
        raise ConfigurationError(
            "group_effects needs groups (which respondent is in which group)",
            code="invalid-groups",
        )
    keys = pd.Series(group_values).astype(str).to_numpy()
    present = set(keys)
    for g, effect in group_effects.items():
        if str(g) not in present:
            raise ConfigurationError(
                f"group_effects names group {g!r}, which has no respondents",
                code="invalid-groups",
            )
        if not math.isfinite(float(effect)):
            raise ConfigurationError(f"the effect of group {g!r} is not a finite number")
        shift[keys == str(g)] = float(effect)
    return shift


class _Generator:
    """Answers for one survey: latent traits (one general factor, one trait per scale), and a
    generator per item type drawing from them in the survey's order."""

    def __init__(
        self,
        survey: Survey,
        n: int,
        rng: np.random.Generator,
        shift: np.ndarray,
        missing_code_rate: float,
        declined: float,
    ) -> None:
        self.survey, self.n, self.rng = survey, n, rng
        self.missing_code_rate, self.declined = missing_code_rate, declined
        self.general = rng.standard_normal(n)
        rho = _TRAIT_CORRELATION
        self.traits: dict[str, np.ndarray] = {}
        self.home: dict[str, tuple[str, bool]] = {}  # item id -> (scale, reverse keyed)
        for scale in survey.scales:
            self.traits[scale.id] = (
                math.sqrt(rho) * self.general + math.sqrt(1 - rho) * rng.standard_normal(n) + shift
            )
            for item_id in scale.items:
                self.home.setdefault(item_id, (scale.id, item_id in scale.reverse))

    def column(self, item: Item, cl: ChoiceList | None) -> pd.Series:
        import pandas as pd

        if item.type in ("likert", "choice") and cl is not None:
            return self.choice(item, cl)
        if item.type == "multi_choice" and cl is not None:
            return self.multi_choice(item, cl)
        if item.type == "number":
            return self.number(item)
        if item.type == "date":
            return self.date()
        if item.type == "text":
            return self.text(item)
        # an item type without a generator (a choice item whose list is missing)
        return pd.Series([None] * self.n, dtype="str")

    def choice(self, item: Item, cl: ChoiceList) -> pd.Series:
        import numpy as np

        rng, n = self.rng, self.n
        k = len(cl.codes)
        codes = _ordered_codes(cl) if cl.ordered else list(cl.codes)
        if cl.ordered:
            if item.id in self.home:
                scale_id, reverse = self.home[item.id]
                lam = rng.uniform(0.55, 0.8)
                latent = self.traits[scale_id]
            else:
                reverse = False
                lam = _GENERAL_LOADING
                latent = self.general
            y = lam * latent + math.sqrt(1 - lam**2) * rng.standard_normal(n)
            idx = np.searchsorted(_cut_points(rng, k), y)
            if reverse:
                idx = (k - 1) - idx
        elif "consent" in item.tags:
            # the consent question: its first option agrees; people who opened the survey
            # mostly go on, a few decline
            idx = np.where(rng.random(n) >= self.declined, 0, rng.integers(1, max(k, 2), n))
            idx = np.minimum(idx, k - 1)
        else:
            p = (
                _skewed_probabilities(rng, k)
                if item.disclosure == "quasi" or item.id == self.survey.group_by
                else rng.dirichlet(np.full(k, 3.0))
            )
            idx = rng.choice(k, size=n, p=p)
        blank = np.zeros(n, dtype=bool)
        all_codes = codes + list(cl.missing_codes)
        if cl.missing_codes and self.missing_code_rate > 0:
            hit = rng.random(n) < self.missing_code_rate
            idx = np.where(hit, k + rng.integers(0, len(cl.missing_codes), n), idx)
        return _code_array(all_codes, idx, blank)

    def multi_choice(self, item: Item, cl: ChoiceList) -> pd.Series:
        import numpy as np
        import pandas as pd

        rng, n = self.rng, self.n
        k = len(cl.codes)
        probs = rng.uniform(0.1, 0.6, size=k)
        chosen = rng.random((n, k)) < probs
        exclusive = [j for j, c in enumerate(cl.codes) if c in set(cl.exclusive_codes)]
        if exclusive:
            # an exclusive option ("none of these") is chosen rarely, and alone
            chosen[:, exclusive] = False
            alone = rng.random(n) < 0.08
            chosen[alone] = False
            chosen[alone, rng.choice(exclusive, int(alone.sum()))] = True
            usable = [j for j in range(k) if j not in exclusive] or exclusive
        else:
            usable = list(range(k))
        none = ~chosen.any(axis=1)
        chosen[none, rng.choice(usable, int(none.sum()))] = True
        pattern = (chosen.astype(np.int64) << np.arange(k)).sum(axis=1)
        if cl.missing_codes and self.missing_code_rate > 0:
            hit = rng.random(n) < self.missing_code_rate
            which = rng.integers(0, len(cl.missing_codes), n)
            pattern = np.where(hit, -1 - which, pattern)
        uniq, inverse = np.unique(pattern, return_inverse=True)
        labels = [
            str(cl.missing_codes[-1 - int(pat)])
            if pat < 0
            else " ".join(str(c) for j, c in enumerate(cl.codes) if pat >> j & 1)
            for pat in uniq
        ]
        col = pd.Series(np.asarray(labels, dtype=object)[inverse], dtype="str")
        if item.max_choices is not None:
            col = _at_most(col, item.max_choices, rng)
        return col

    def number(self, item: Item) -> pd.Series:
        import numpy as np
        import pandas as pd
        from scipy.special import ndtr

        rng, n = self.rng, self.n
        lo = item.min if item.min is not None else 0.0
        hi = item.max if item.max is not None else lo + 100.0
        if item.id in self.home:  # a number in a scale follows the scale's trait
            scale_id, reverse = self.home[item.id]
            lam = rng.uniform(0.55, 0.8)
            y = lam * self.traits[scale_id] + math.sqrt(1 - lam**2) * rng.standard_normal(n)
            u = ndtr(-y if reverse else y)
        else:
            # counts and amounts are right-skewed: most small, a few large
            u = rng.beta(1.1, 8.0, n)
        x = lo + (hi - lo) * u
        if item.integer:
            x = np.clip(np.round(x), math.ceil(lo), math.floor(hi))
        return pd.Series(x.astype(np.float64))

    def date(self) -> pd.Series:
        import numpy as np
        import pandas as pd

        base_date = np.datetime64(_BASE_DATE, "D")
        calendar = np.datetime_as_string(base_date - np.arange(730), unit="D").astype(object)
        return pd.Series(calendar[self.rng.integers(0, 730, self.n)], dtype="str")

    def text(self, item: Item) -> pd.Series:
        import numpy as np
        import pandas as pd

        rng, n = self.rng, self.n
        if item.disclosure == "direct":
            texts = np.asarray([f"participant-{i:06d}" for i in range(n)], dtype=object)
            return pd.Series(texts, dtype="str")
        m = len(PHRASES)
        # every answer is one phrase or an ordered pair of different phrases
        bank = list(PHRASES) + [f"{a} {b}" for a in PHRASES for b in PHRASES if a != b]
        first = rng.integers(0, m, n)
        pair = m + first * (m - 1) + rng.integers(0, m - 1, n)
        pick = np.where(rng.random(n) < 0.3, pair, first)
        texts = np.asarray(bank, dtype=object)[pick]
        if item.max_length:
            texts = np.asarray([t[: item.max_length] for t in texts], dtype=object)
        if not item.required:
            texts[rng.random(n) >= _TEXT_ANSWER_RATE] = None
        return pd.Series(texts, dtype="str")


def _respondent_ids(n: int, numeric: bool) -> pd.Series:
    """``R00001``, ``R00002``... (or 1.0, 2.0... for a number item)."""
    import numpy as np
    import pandas as pd

    ids = np.arange(1, n + 1)
    if numeric:
        return pd.Series(ids.astype(np.float64))
    if n == 0:  # numpy's zfill cannot size an empty array
        return pd.Series([], dtype="str")
    digits = np.strings.zfill(ids.astype(np.str_), max(5, len(str(n))))
    return pd.Series(np.strings.add("R", digits).astype(object), dtype="str")


def _at_most(col: pd.Series, k: int, rng: np.random.Generator) -> pd.Series:
    """Keep at most ``k`` codes of each space-separated answer (a random ``k``, in list order)."""
    import pandas as pd

    def trim(answer: object) -> object:
        if not isinstance(answer, str):
            return answer
        codes = answer.split()
        if len(codes) <= k:
            return answer
        keep = sorted(rng.choice(len(codes), size=k, replace=False))
        return " ".join(codes[i] for i in keep)

    return pd.Series([trim(a) for a in col.tolist()], index=col.index, dtype="str")


def _filtered_choice(
    item: Item,
    cl: ChoiceList,
    drawn: pd.Series,
    columns: Mapping[str, pd.Series],
    item_types: Mapping[str, str],
    n: int,
    rng: np.random.Generator,
) -> pd.Series:
    """An answer to ``item`` among the options its choice filter offers each respondent.

    A single answer is drawn among the options offered (Zipf-like preferences); a multi_choice
    answer keeps the drawn options that are offered, or one offered option when none is. No
    option offered: a blank answer.
    """
    import numpy as np
    import pandas as pd

    from .instruments.expressions import parse_choice_filter

    assert item.choice_filter is not None
    expr = parse_choice_filter(item.choice_filter)
    codes = list(cl.codes)
    frame = pd.DataFrame({name: columns[name] for name in sorted(expr.names)}, index=range(n))
    allowed = expr.allowed_choices(frame, codes, item_types).to_numpy(dtype=bool)
    weights = allowed * _skewed_probabilities(rng, len(codes))[None, :]
    offered = weights.sum(axis=1) > 0
    cum = np.cumsum(weights, axis=1)
    draw = rng.random(n) * np.where(offered, cum[:, -1], 1.0)
    idx = np.minimum((cum < draw[:, None]).sum(axis=1), len(codes) - 1)
    one = _code_array(codes, idx, ~offered)
    if item.type != "multi_choice":
        return one
    position = {str(c): j for j, c in enumerate(codes)}
    kept: list[object] = []
    for row, (answer, fallback) in enumerate(zip(drawn.tolist(), one.tolist(), strict=True)):
        if not isinstance(answer, str):
            kept.append(answer)
            continue
        inside = [c for c in answer.split() if c in position and allowed[row, position[c]]]
        kept.append(" ".join(inside) if inside else fallback)
    return pd.Series(kept, dtype="str")
