"""The audit trail: one JSON event per request (record), written durably per process
(writer), read back and filtered (query), scanned for leaked-key signs (suspicious), and
served as ActionTrail's LookupEvents (lookup)."""
