"""The `ossbox` command line."""
