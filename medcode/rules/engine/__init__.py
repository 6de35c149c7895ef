"""Pure rule engines: functions over frozen dataclasses, with the release and date of service as arguments."""
