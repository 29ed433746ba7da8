"""New AccessKey ids and secrets (the `LTAI` + 20 alphanumerics form Alibaba Cloud issues)."""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_letters + string.digits


def new_access_key_id() -> str:
    return "LTAI" + "".join(secrets.choice(_ALNUM) for _ in range(20))


def new_access_key_secret() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(30))
