"""Staff: the StaffProfile (a coordinator's municipality), what part of the school a staff account may see
(``selectors.staff_scope``), and the staff pages outside the admin (``urls``: attendance taking, and the
gradebook's "Mis grupos"). May import courses, learners.enrolment models, learners.attendance views and
learners.gradebook views; never learners.h5p or learners.imports.
"""
