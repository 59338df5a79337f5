"""Interoperability: survey platforms, paper and statistics packages.

- :mod:`.xlsform` -- ``to_xlsform`` / ``from_xlsform`` (ODK, KoboToolbox; checked with pyxform)
- :mod:`.redcap` -- ``to_redcap`` / ``from_redcap`` (REDCap data dictionary CSV)
- :mod:`.limesurvey` -- ``to_limesurvey`` (LimeSurvey tab-separated survey structure and the
  code mapping beside it)
- :mod:`.printable` -- ``to_printable`` (HTML or Markdown questionnaires)
- :mod:`.printpack` -- ``to_print_pack`` (interview guides, guidance, codebooks as HTML or Word)
- :mod:`.labelled` -- ``write_labelled`` (SPSS ``.sav``, Stata ``.dta``, CSV + codebook)
- :mod:`.yaml_out` -- ``dump_instrument`` (instruments back to tidy YAML)
- :mod:`.common` -- ``InteropWarning``, raised for anything a format cannot carry

Round trips (``from_xlsform(to_xlsform(s)) == s``, ``from_redcap(to_redcap(s)) == s``) are
exact: what a format has no column for travels in a field the format allows.
"""
