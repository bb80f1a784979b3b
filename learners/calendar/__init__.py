"""Calendar: a learner's and an instructor's sessions as a page ("Mi calendario") and as iCalendar files (one
session's ``.ics`` download and a private subscription feed per person, with a secret token she can regenerate).

May import courses, learners.accounts, learners.enrolment and learners.staff; never learners.privacy (privacy
imports this package's model to export and erase the subscriptions).
"""
