"""Crash recovery: remove what an interrupted write or delete left on disk."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ossbox.store.base import MetadataStore
from ossbox.store.blobs import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveryReport:
    tmp_files: int  # unfinished writes in DIR/tmp
    pending_blobs: int  # written blobs no metadata ever referenced
    garbage_blobs: int  # retired blobs whose deletion had not finished


def recover(meta: MetadataStore, blobs: BlobStore, *, grace: float = 0.0) -> RecoveryReport:
    """Delete temp files, unreferenced pending blobs and garbage.

    Meant for startup, before serving. With several processes sharing a data dir, pass a
    `grace` (seconds) longer than any write takes, so another process's in-flight blobs
    (pending) and just-retired blobs (still readable) are spared.
    """
    tmp = blobs.clear_tmp() if grace == 0 else 0
    pending = meta.pending_blobs(older_than=grace)
    for blob_id in pending:
        blobs.unlink(blob_id)
    meta.forget_blobs(pending)
    garbage = 0
    while batch := meta.garbage_blobs(older_than=grace):
        for blob_id in batch:
            blobs.unlink(blob_id)
        meta.forget_blobs(batch)
        garbage += len(batch)
    report = RecoveryReport(tmp_files=tmp, pending_blobs=len(pending), garbage_blobs=garbage)
    if tmp or pending or garbage:
        log.info("store recovery: %s", report)
    return report
