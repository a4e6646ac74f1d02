"""Widgets the screens are built from: lesson blocks, the lab's panes and small helpers."""
