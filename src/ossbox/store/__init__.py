"""Metadata store (SQLite) and blob store (files), behind the interfaces in `store.base`.

Entry point (coming next): ``open_store(data_dir: Path) -> Store`` where ``Store`` holds
``.meta`` (a MetadataStore), ``.blobs`` (a BlobStore) and ``.master_key`` (a MasterKey), and
crash recovery has run.
"""

from __future__ import annotations
