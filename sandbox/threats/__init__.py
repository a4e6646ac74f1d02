"""The man-in-the-middle attacks on STARTTLS, the impostor's certificates, and what a finished
attack run meant."""
