"""Attendance: records for a cohort's sessions, attendance percentages, attendance taking for instructors, and the
learners' QR check-in (``checkin``: the signed rotating code and when a session is running).

May import courses, learners.enrolment, learners.progress services (marking attendance re-evaluates completion),
learners.accounts (account state, the rate-limit counter) and learners.privacy.audit (exports are audited).
"""
