"""KMS Secrets Manager (RPC, Version 2016-01-20): managed RAM-credential secrets that rotate,
read by applications through their access points' ClientKeys or by RAM identities."""
