"""The learners plugin's one domain signal.

``course_completed`` is sent exactly once per enrolment, after the transaction that completed it commits,
with ``enrolment_id``. The certificates plugin listens to it.
"""

from django.dispatch import Signal

course_completed = Signal()

#: ``reflection_answered(sender, enrolment, lesson)``: sent by learners.reflections, inside the saving transaction,
#: when an answer leaves a lesson with no required reflection answer missing. A lesson whose activities she already
#: passed was waiting for it (learners.h5p completes it then).
reflection_answered = Signal()

# Personal data (learners.privacy). Both are sent synchronously, inside the caller's transaction.
#: ``learner_data_requested(sender, user)``: receivers return ``{category: [row dict, ...]}`` with what they hold
#: about ``user``, added to her download (certificates adds her issued certificates).
learner_data_requested = Signal()
#: ``learner_erasing(sender, user_id)``: sent by ``learner_delete`` after her enrolments moved to anonymous
#: accounts and before her account is removed; receivers erase or anonymise what they hold about her.
learner_erasing = Signal()
