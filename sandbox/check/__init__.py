"""`smtp-tutor check HOST[:PORT]`: probe a real server's STARTTLS and TLS, judge what it shows,
and say each finding as a beginner needs it (issue 13, section 1; properties.md N)."""
