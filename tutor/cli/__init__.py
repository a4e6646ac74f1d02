"""The smtp-tutor commands (argparse): the tutor itself, demo, sandbox and lessons."""
