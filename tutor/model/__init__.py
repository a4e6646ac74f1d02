"""The tutor's pure model: lesson format and parser, course, validator, goals, progress and
settings; never imports Textual."""
