"""The Textual user interface: the app, its screens and widgets, styles and the UI's words in each
language."""
