"""Learner accounts: sign-up with email confirmation, log-in with throttling, log-out, password reset, the
LearnerProfile with its RUN (``run``), and the profiles' admin listing. ``claveunica/``: log-in with ClaveÚnica.
May import courses, learners.privacy (consent at sign-up; its pages share the accounts URLs), learners.staff and
learners.admin_helpers; never learners.enrolment, learners.progress, learners.h5p or learners.imports.
"""
