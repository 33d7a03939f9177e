"""dbt support: read dbt projects without dbt (no warehouse, no dbt install).

- :mod:`project`    ``dbt_project.yml``: paths, vars, folder-level model configs
- :mod:`properties` ``schema.yml`` property files: models, columns, sources (with lines)
- :mod:`manifest`   ``target/manifest.json`` (v12 shape): compiled code and resolved metadata
- :mod:`render`     Jinja rendering of a raw model with dbt's context stubbed, and a line map
- :mod:`session`    the per-run object that loads and caches all of the above and builds the
                    :class:`~meshgov.code.document.CodeDocument` of each model
"""
