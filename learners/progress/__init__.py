"""Progress: lessons done, the course's completion rule, Chilean grades, and "Marcar como completada".

May import courses, learners.enrolment, and learners.attendance and learners.reflections selectors; never
learners.h5p or learners.imports.
"""
