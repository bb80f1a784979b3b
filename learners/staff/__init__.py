"""Pages for the school's staff outside the Wagtail admin (attendance taking on a phone)."""
