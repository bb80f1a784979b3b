"""Reflection answers: a learner's answer to a lesson's "Para reflexionar" prompt (keyed by lesson and block id),
autosaved from the lesson, and the instructor's short feedback from the staff pages (``/equipo/reflexiones/``).
May import courses, learners.accounts (throttle), learners.enrolment, learners.staff and learners.privacy (audit);
never learners.progress, learners.h5p or learners.imports. learners.progress reads its selectors.
"""
