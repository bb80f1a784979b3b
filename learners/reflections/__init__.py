"""Reflection answers: a learner's answer to a lesson's "Para reflexionar" prompt (keyed by lesson and block id),
autosaved from the lesson, and the instructor's short feedback from the staff pages (``/equipo/reflexiones/``).
May import courses, learners.accounts (throttle), learners.enrolment, learners.staff, learners.privacy (audit) and
learners.signals (``reflection_answered``, which learners.h5p hears);
never learners.progress, learners.h5p or learners.imports. learners.progress reads its selectors.
"""
