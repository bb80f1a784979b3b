"""The learners plugin's one domain signal.

``course_completed`` is sent exactly once per enrolment, after the transaction that completed it commits,
with ``enrolment_id``. The certificates plugin listens to it.
"""

from django.dispatch import Signal

course_completed = Signal()
