"""H5P activities in lessons: the player page, the xAPI and saved-state endpoints, attempts built from statements,
activity grades (which complete lessons through learners.progress), and the attempts' admin.
May import courses, learners.accounts (throttle), learners.enrolment, learners.progress and learners.staff (admin
scope); never learners.imports or learners.privacy.
"""
