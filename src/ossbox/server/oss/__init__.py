"""The OSS REST protocol: addressing, the operation table, and one module per API family."""
