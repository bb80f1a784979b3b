"""Bulk enrolment from a CSV file: reading and checking the file (``parsing``), importing it (``services``), and the
admin's upload → preview → import pages (``admin_views``).
May import courses, learners.accounts, learners.enrolment and learners.privacy models; nothing imports it but the hooks.
"""
