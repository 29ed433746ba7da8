"""The built-in OIDC issuer (RRSA tokens for local tests) and OIDC token verification."""
