"""Learner accounts: sign-up with email confirmation, log-in with throttling, log-out, password reset, profile."""
