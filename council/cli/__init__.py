"""The command line's commands (``python -m council ask|check|refresh-prices``)."""
