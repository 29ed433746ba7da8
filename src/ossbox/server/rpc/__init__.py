"""The RPC (POP) APIs on the shared listener: STS (2015-04-01) and RAM (2015-05-01)."""
