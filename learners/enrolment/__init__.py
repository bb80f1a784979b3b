"""Enrolment: cohorts and their sessions, enrolling, withdrawing, the waitlist, "Mis cursos" and their admin.

May import courses, learners.accounts, learners.staff, and (for "Mis cursos") learners.progress models and
learners.attendance selectors; never learners.h5p, learners.imports or learners.privacy.
"""
