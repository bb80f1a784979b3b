"""Staff: the StaffProfile (a coordinator's municipality), what part of the school a staff account may see
(``selectors.staff_scope``), and the staff pages outside the admin (``urls``: attendance taking, reflection answers).
May import courses, learners.enrolment models and learners.attendance and learners.reflections views; never
learners.h5p or learners.imports.
"""
