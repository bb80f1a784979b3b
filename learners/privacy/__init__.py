"""Personal data (Ley 19.628 and Ley 21.719): the privacy notice and consents, the "Mis datos" page (download,
correction, deletion and blocking requests), the admin that answers them, deletion, retention purges, who may be
published, and the staff audit log (``audit_record``). May import every learners package's models, to export and
erase a learner's data; other packages use its models, ``audit``, ``selectors``, ``services`` and ``views``.
"""
