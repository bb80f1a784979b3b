"""Learners' personal data rights (Ley 19.628 and Ley 21.719): the privacy notice and consents, the "Mis datos"
page (download, correction, deletion and blocking requests), the admin that answers requests, deletion,
retention purges and the staff audit log listing."""
