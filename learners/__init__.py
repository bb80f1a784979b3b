"""The learners plugin, one sub-package per concern: accounts, enrolment, progress, attendance, h5p, imports,
privacy and staff (each ``__init__`` says what it owns and what it may import). ``models.py`` gathers their models
for Django; ``admin_helpers.py`` holds the admin pieces several viewsets share; ``signals.py`` the domain signals.
"""
