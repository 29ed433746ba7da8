"""What the server keeps of each finished request: its audit event (DIR/audit), its metrics
(`/_ossbox/metrics`) and, with `--access-log json`, one JSON line on the `ossbox.access`
logger. Background threads (audit flushing, metrics publishing) start with the application's
lifespan, in the serving process (each worker its own), never at import."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from ossbox.server.audit.record import AuditRecord
from ossbox.server.audit.writer import AuditWriter, audit_dir, encode_event
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.metrics import METRICS_DIR, Metrics, MetricsPublisher, exposition

access_log = logging.getLogger("ossbox.access")

# Scrapes and probes are not audited (they would drown the trail); they are counted.
UNAUDITED = frozenset({"/_ossbox/health", "/_ossbox/metrics"})


class Observer:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.audit: AuditWriter | None = None
        self._publisher: MetricsPublisher | None = None

    def start(self) -> None:
        settings = self.config.audit
        if settings.enabled:
            self.audit = AuditWriter(
                audit_dir(self.config.data_dir),
                flush_interval=settings.flush_interval,
                fsync=settings.fsync,
                max_segment_bytes=settings.max_segment_bytes,
                retain_bytes=settings.retain_bytes,
            )
            self.audit.start()
            audit = self.audit
            self.metrics.audit_dropped = lambda: audit.dropped
        self._publisher = MetricsPublisher(self.metrics, self.config.data_dir / METRICS_DIR)
        self._publisher.start()

    def close(self) -> None:
        if self.audit is not None:
            self.audit.close()
        if self._publisher is not None:
            self._publisher.close()

    def exposition(self) -> str:
        return exposition(self.metrics, self.config.data_dir / METRICS_DIR)

    def finish(self, ctx: RequestContext, status: int) -> None:
        self.keep(
            ctx.audit,
            status,
            now=ctx.now,
            request_id=ctx.request_id,
            source_ip=ctx.source_ip,
            user_agent=ctx.header("user-agent") or "",
            audited=ctx.http.raw_path not in UNAUDITED,
        )

    def keep(
        self,
        record: AuditRecord,
        status: int,
        *,
        now: datetime,
        request_id: str,
        source_ip: str,
        user_agent: str,
        audited: bool = True,
    ) -> None:
        """Count a finished request and, if `audited`, write its event (any listener)."""
        seconds = time.perf_counter() - record.started
        self.metrics.observe(
            record.family,
            record.action,
            status,
            record.error_code,
            seconds,
            record.bytes_in,
            record.bytes_out,
            record.auth_failure,
        )
        if not audited or (self.audit is None and not self.config.access_log):
            return
        event = record.event(
            now=now,
            request_id=request_id,
            source_ip=source_ip,
            status=status,
            user_agent=user_agent,
        )
        line = encode_event(event)
        if self.audit is not None:
            self.audit.write_line(line)
        if self.config.access_log:
            access_log.info("%s", line)
