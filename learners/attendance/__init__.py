"""Attendance: records for a cohort's sessions, attendance percentages, and attendance taking for instructors.

May import courses, learners.enrolment, and learners.progress services (marking attendance re-evaluates completion).
"""
