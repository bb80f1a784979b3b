"""Bulk enrolment from a CSV file: reading and checking the file (``parsing``), importing it, all or nothing or
skipping the bad rows (``services``, recorded in ``models``), the invitations of the people it creates
(``invitations``, their link in ``views``), who has not activated yet (``selectors``), and the admin's
upload → preview → import → result pages and the invitations list (``admin_views``).
May import courses, learners.accounts, learners.enrolment, learners.privacy and learners.staff (whose scope limits a
school's administration to her school's imports and invitations); only the hooks, the URLs and
``learners.models`` import it.
"""
