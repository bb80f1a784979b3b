"""Report views: ``base`` (permission, scope, cell formats), ``exports`` (audited CSV/XLSX, publication variant),
``aggregate`` (per course, cohort and territory) and ``learner`` (personal data). May import cms.reports' other
modules and learners' selectors, models and audit; importers name the module that owns the view.
"""
