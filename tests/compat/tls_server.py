"""`ossbox serve --tls` for the compat tests of clients that hard-code https."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import LiveServer


class TlsServer(LiveServer):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, tls=True)

    @property
    def ca(self) -> Path:
        return self.data_dir / "tls" / "ca.pem"


@contextmanager
def running_tls_server(data: Path) -> Iterator[TlsServer]:
    """A --tls server on `data`, its CA trusted by this process while it runs."""
    data.mkdir()
    live = TlsServer(data)
    with pytest.MonkeyPatch.context() as env:
        # Read by OpenSSL whenever a default context is made (the health check's and Tea's);
        # the file appears when the server starts.
        env.setenv("SSL_CERT_FILE", str(live.ca))
        # requests' Session.request prefers these to a session's own `verify`.
        env.setenv("REQUESTS_CA_BUNDLE", str(live.ca))
        env.delenv("CURL_CA_BUNDLE", raising=False)
        live.start()
        try:
            yield live
        finally:
            live.stop()
