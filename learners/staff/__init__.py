"""Staff: the StaffProfile (a coordinator's municipality), what part of the school a staff account may see
(``selectors.staff_scope``), and the staff pages outside the admin (``urls``: attendance taking, reflection answers and
the gradebook's "Mis grupos"). May import courses, learners.enrolment models, and the views of learners.attendance,
learners.reflections and learners.gradebook; never learners.h5p or learners.imports.
"""
