"""Adding and removing municipal schools (issue 15): everything a school is made of, created or removed in one
transaction. The ``School`` model itself lives in ``courses.schools`` so that every layer can point at it; this
package is in cms because creating a school touches every layer (pages, settings, groups, collections, the
certificate issuer) and removing one must look at enrolments and certificates."""
