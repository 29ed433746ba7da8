"""The RPC (POP) APIs on the shared listener: STS, RAM and KMS (Secrets Manager)."""
