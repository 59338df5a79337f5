"""leadership_eval: evaluate clinical leadership development for doctors in training.

Instruments written in YAML, survey responses validated and scored, anonymisation and disclosure
control, comparisons between trusts, qualitative theme summaries, and privacy-safe reports.

The public API is flat (``import leadership_eval as le; le.score(...)``). Names are imported
lazily, so ``import leadership_eval`` stays fast (the ``validate`` command never loads pandas).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LeadershipEvalError": "errors",
    "InstrumentError": "errors",
    "Problem": "errors",
    "DataError": "errors",
    "DisclosureError": "errors",
    "ConfigurationError": "errors",
    "DataWarning": "errors",
    # safe_output
    "write_table": "safe_output",
    # policy
    "DisclosurePolicy": "policy",
    # instruments.models
    "Survey": "instruments.models",
    "InterviewGuide": "instruments.models",
    "Codebook": "instruments.models",
    "Evaluation": "instruments.models",
    "Guidance": "instruments.models",
    "Instrument": "instruments.models",
    "ChoiceList": "instruments.models",
    "Item": "instruments.models",
    "Scale": "instruments.models",
    # instruments.loader
    "as_survey": "instruments.loader",
    "load_instrument": "instruments.loader",
    "loads_instrument": "instruments.loader",
    # instruments.catalogue
    "load_catalogue": "instruments.catalogue",
    "Catalogue": "instruments.catalogue",
    "coverage_matrix": "instruments.catalogue",
    # instruments.schema
    "json_schema": "instruments.schema",
    # instruments.placeholders, derived, scaffold (adopting the instruments)
    "fill_placeholders": "instruments.placeholders",
    "check_filled": "instruments.placeholders",
    "unfilled_placeholders": "instruments.placeholders",
    "derive": "instruments.derived",
    "scaffold_evaluation": "instruments.scaffold",
    "set_trusts": "instruments.scaffold",
    # instruments.expressions
    "parse_expression": "instruments.expressions",
    "parse_choice_filter": "instruments.expressions",
    "Expression": "instruments.expressions",
    "ExpressionError": "instruments.expressions",
    # responses
    "read_responses": "responses",
    "validate_responses": "responses",
    "ValidationReport": "responses",
    "ValidationStamp": "responses",
    # scoring
    "score": "scoring",
    "item_summary": "summaries",
    "reliability": "scale_reliability",
    "item_statistics": "scale_reliability",
    "reverse_key": "scoring",
    # simulate
    "simulate_responses": "simulate",
    # privacy.identifiers
    "drop_direct_identifiers": "privacy.identifiers",
    "find_identifier_columns": "privacy.identifiers",
    "pseudonymise": "privacy.identifiers",
    "pseudonymise_column": "privacy.identifiers",
    "generate_key": "privacy.identifiers",
    # privacy.anonymity
    "check_anonymity": "privacy.anonymity",
    "AnonymityReport": "privacy.anonymity",
    # privacy.hierarchy
    "load_hierarchy": "privacy.hierarchy",
    "Hierarchy": "privacy.hierarchy",
    # privacy.generalise
    "generalise": "privacy.generalise",
    "GeneralisationResult": "privacy.generalise",
    # privacy.tables
    "protect_table": "privacy.tables",
    "protect_tables": "privacy.tables",
    "ProtectedTable": "privacy.tables",
    "ProtectedTables": "privacy.tables",
    "TableSum": "privacy.tables",
    "SharedLine": "privacy.tables",
    # privacy.audit
    "audit_table": "privacy.audit",
    "audit_tables": "privacy.audit",
    "AuditResult": "privacy.audit",
    # privacy.text
    "redact_text": "privacy.text",
    "redact_series": "privacy.text",
    "find_personal_data": "privacy.text",
    "evaluate_redaction": "privacy.text",
    # privacy.review
    "export_comments": "privacy.review",
    "read_comment_review": "privacy.review",
    "write_comment_review": "privacy.review",
    "CommentReview": "privacy.review",
    # privacy.pipeline
    "anonymise": "privacy.pipeline",
    "AnonymisationResult": "privacy.pipeline",
    # compare
    "compare_to_benchmark": "compare",
    "compare_groups": "compare",
    "compare_waves": "compare",
    "funnel_limits": "compare",
    "CompareResult": "compare",
    "BenchmarkComparison": "compare",
    "WaveComparison": "compare",
    "compare_composition": "compare",
    # exact
    "mann_whitney": "exact",
    "signed_rank": "exact",
    "spearman": "exact",
    "fisher_exact": "exact",
    # multiplicity
    "adjust_pvalues": "multiplicity",
    "adjust_frame": "multiplicity",
    # mixed
    "linear_mixed_model": "mixed",
    "logistic_mixed_model": "mixed",
    "MixedModelResult": "mixed",
    # plan
    "label_analyses": "plan",
    "planned_analyses": "plan",
    # activities
    "summarise_activities": "compare.activities",
    "relate_activity_outcomes": "compare.activities",
    "ActivityOutcome": "compare.activities",
    "activity_origins": "compare.activities",
    "most_helpful_activities": "compare.activities",
    "model_activity_uptake": "compare.activities",
    "origin_items": "compare.activities",
    "MostHelpful": "compare.activities",
    "UptakeModel": "compare.activities",
    # plots
    "plot_funnel": "plots",
    "plot_likert": "plots",
    "plot_flag_grid": "plots",
    # qualitative
    "read_segments": "qualitative",
    "read_qdpx": "qualitative",
    "write_qdpx": "qualitative",
    "codebook_to_qdc": "qualitative",
    "codebook_from_qdc": "qualitative",
    "framework_matrix": "qualitative",
    "theme_summary": "qualitative",
    # interop.xlsform
    "to_xlsform": "interop.xlsform",
    "from_xlsform": "interop.xlsform",
    # interop.redcap
    "to_redcap": "interop.redcap",
    "from_redcap": "interop.redcap",
    # interop.limesurvey
    "to_limesurvey": "interop.limesurvey",
    "read_limesurvey_codes": "interop.limesurvey",
    # interop.printpack
    "to_print_pack": "interop.printpack",
    # interop.printable
    "to_printable": "interop.printable",
    # interop.labelled
    "write_labelled": "interop.labelled",
    # interop.yaml_out
    "dump_instrument": "interop.yaml_out",
    # interop.common
    "InteropWarning": "interop.common",
    # reports.build
    "build_reports": "reports.build",
    "ReportSet": "reports.build",
    "publish_wave": "reports.build",
    # demo
    "simulate_evaluation": "demo",
    "run_demo": "demo",
}

__all__ = [
    "ActivityOutcome",
    "AnonymisationResult",
    "AnonymityReport",
    "AuditResult",
    "BenchmarkComparison",
    "Catalogue",
    "ChoiceList",
    "Codebook",
    "CommentReview",
    "CompareResult",
    "ConfigurationError",
    "DataError",
    "DataWarning",
    "DisclosureError",
    "DisclosurePolicy",
    "Evaluation",
    "Expression",
    "ExpressionError",
    "GeneralisationResult",
    "Guidance",
    "Hierarchy",
    "Instrument",
    "InstrumentError",
    "InteropWarning",
    "InterviewGuide",
    "Item",
    "LeadershipEvalError",
    "MixedModelResult",
    "MostHelpful",
    "Problem",
    "ProtectedTable",
    "ProtectedTables",
    "ReportSet",
    "Scale",
    "SharedLine",
    "Survey",
    "TableSum",
    "UptakeModel",
    "ValidationReport",
    "ValidationStamp",
    "WaveComparison",
    "__version__",
    "activity_origins",
    "adjust_frame",
    "adjust_pvalues",
    "anonymise",
    "as_survey",
    "audit_table",
    "audit_tables",
    "build_reports",
    "check_anonymity",
    "check_filled",
    "codebook_from_qdc",
    "codebook_to_qdc",
    "compare_composition",
    "compare_groups",
    "compare_to_benchmark",
    "compare_waves",
    "coverage_matrix",
    "derive",
    "drop_direct_identifiers",
    "dump_instrument",
    "evaluate_redaction",
    "export_comments",
    "fill_placeholders",
    "find_identifier_columns",
    "find_personal_data",
    "fisher_exact",
    "framework_matrix",
    "from_redcap",
    "from_xlsform",
    "funnel_limits",
    "generalise",
    "generate_key",
    "item_statistics",
    "item_summary",
    "json_schema",
    "label_analyses",
    "linear_mixed_model",
    "load_catalogue",
    "load_hierarchy",
    "load_instrument",
    "loads_instrument",
    "logistic_mixed_model",
    "mann_whitney",
    "model_activity_uptake",
    "most_helpful_activities",
    "origin_items",
    "parse_choice_filter",
    "parse_expression",
    "planned_analyses",
    "plot_flag_grid",
    "plot_funnel",
    "plot_likert",
    "protect_table",
    "protect_tables",
    "pseudonymise",
    "pseudonymise_column",
    "publish_wave",
    "read_comment_review",
    "read_limesurvey_codes",
    "read_qdpx",
    "read_responses",
    "read_segments",
    "redact_series",
    "redact_text",
    "relate_activity_outcomes",
    "reliability",
    "reverse_key",
    "run_demo",
    "scaffold_evaluation",
    "score",
    "set_trusts",
    "signed_rank",
    "simulate_evaluation",
    "simulate_responses",
    "spearman",
    "summarise_activities",
    "theme_summary",
    "to_limesurvey",
    "to_print_pack",
    "to_printable",
    "to_redcap",
    "to_xlsform",
    "unfilled_placeholders",
    "validate_responses",
    "write_comment_review",
    "write_labelled",
    "write_qdpx",
    "write_table",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import datasets as datasets
    from .compare import (
        BenchmarkComparison,
        CompareResult,
        WaveComparison,
        compare_composition,
        compare_groups,
        compare_to_benchmark,
        compare_waves,
        funnel_limits,
    )
    from .compare.activities import (
        ActivityOutcome,
        MostHelpful,
        UptakeModel,
        activity_origins,
        model_activity_uptake,
        most_helpful_activities,
        origin_items,
        relate_activity_outcomes,
        summarise_activities,
    )
    from .demo import (
        run_demo,
        simulate_evaluation,
    )
    from .errors import (
        ConfigurationError,
        DataError,
        DataWarning,
        DisclosureError,
        InstrumentError,
        LeadershipEvalError,
        Problem,
    )
    from .exact import (
        fisher_exact,
        mann_whitney,
        signed_rank,
        spearman,
    )
    from .instruments.catalogue import (
        Catalogue,
        coverage_matrix,
        load_catalogue,
    )
    from .instruments.derived import (
        derive,
    )
    from .instruments.expressions import (
        Expression,
        ExpressionError,
        parse_choice_filter,
        parse_expression,
    )
    from .instruments.loader import (
        as_survey,
        load_instrument,
        loads_instrument,
    )
    from .instruments.models import (
        ChoiceList,
        Codebook,
        Evaluation,
        Guidance,
        Instrument,
        InterviewGuide,
        Item,
        Scale,
        Survey,
    )
    from .instruments.placeholders import (
        check_filled,
        fill_placeholders,
        unfilled_placeholders,
    )
    from .instruments.scaffold import (
        scaffold_evaluation,
        set_trusts,
    )
    from .instruments.schema import (
        json_schema,
    )
    from .interop.common import (
        InteropWarning,
    )
    from .interop.labelled import (
        write_labelled,
    )
    from .interop.limesurvey import (
        read_limesurvey_codes,
        to_limesurvey,
    )
    from .interop.printable import (
        to_printable,
    )
    from .interop.printpack import (
        to_print_pack,
    )
    from .interop.redcap import (
        from_redcap,
        to_redcap,
    )
    from .interop.xlsform import (
        from_xlsform,
        to_xlsform,
    )
    from .interop.yaml_out import (
        dump_instrument,
    )
    from .mixed import (
        MixedModelResult,
        linear_mixed_model,
        logistic_mixed_model,
    )
    from .multiplicity import (
        adjust_frame,
        adjust_pvalues,
    )
    from .plan import (
        label_analyses,
        planned_analyses,
    )
    from .plots import (
        plot_flag_grid,
        plot_funnel,
        plot_likert,
    )
    from .policy import (
        DisclosurePolicy,
    )
    from .privacy.anonymity import (
        AnonymityReport,
        check_anonymity,
    )
    from .privacy.audit import (
        AuditResult,
        audit_table,
        audit_tables,
    )
    from .privacy.generalise import (
        GeneralisationResult,
        generalise,
    )
    from .privacy.hierarchy import (
        Hierarchy,
        load_hierarchy,
    )
    from .privacy.identifiers import (
        drop_direct_identifiers,
        find_identifier_columns,
        generate_key,
        pseudonymise,
        pseudonymise_column,
    )
    from .privacy.pipeline import (
        AnonymisationResult,
        anonymise,
    )
    from .privacy.review import (
        CommentReview,
        export_comments,
        read_comment_review,
        write_comment_review,
    )
    from .privacy.tables import (
        ProtectedTable,
        ProtectedTables,
        SharedLine,
        TableSum,
        protect_table,
        protect_tables,
    )
    from .privacy.text import (
        evaluate_redaction,
        find_personal_data,
        redact_series,
        redact_text,
    )
    from .qualitative import (
        codebook_from_qdc,
        codebook_to_qdc,
        framework_matrix,
        read_qdpx,
        read_segments,
        theme_summary,
        write_qdpx,
    )
    from .reports.build import (
        ReportSet,
        build_reports,
        publish_wave,
    )
    from .responses import (
        ValidationReport,
        ValidationStamp,
        read_responses,
        validate_responses,
    )
    from .safe_output import (
        write_table,
    )
    from .scale_reliability import (
        item_statistics,
        reliability,
    )
    from .scoring import (
        reverse_key,
        score,
    )
    from .simulate import (
        simulate_responses,
    )
    from .summaries import (
        item_summary,
    )


_SUBMODULES = frozenset({"datasets"})
"""Submodules reached as attributes (``le.datasets.example_survey()``), imported on first use."""


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'leadership_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
