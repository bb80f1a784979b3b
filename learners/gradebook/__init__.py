"""Gradebook: "Mis grupos" (a cohort's learners × lessons matrix, its flags, filters and exports, and one learner's
whole course) for the staff who teach or oversee a cohort, and "Mis notas" (her grades and what she still needs
to pass) for the learner.

May import courses, learners.enrolment, learners.progress, learners.attendance, learners.h5p (models, selectors,
grades), learners.reflections selectors, learners.staff selectors and learners.privacy.audit; nothing imports it
but learners.staff.urls, learners.urls, learners.wagtail_hooks and learners.notifications (the weekly digest).
"""
