"""SQLite schema and its migrations, versioned with PRAGMA user_version."""

from __future__ import annotations

import sqlite3

# MIGRATIONS[i] upgrades a database from user_version i to i + 1. Append only; never edit a
# released step.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,
        created INTEGER NOT NULL
    );
    CREATE TABLE access_keys (
        access_key_id TEXT PRIMARY KEY,
        sealed_secret BLOB NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
        principal_type TEXT NOT NULL,
        principal_name TEXT NOT NULL,
        status TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE INDEX access_keys_principal
        ON access_keys(account_id, principal_type, principal_name);

    CREATE TABLE buckets (
        name TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        region TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        acl TEXT NOT NULL,
        versioning TEXT NOT NULL,
        created INTEGER NOT NULL,
        data_redundancy TEXT NOT NULL,
        tags TEXT NOT NULL,
        policy TEXT,
        configs TEXT NOT NULL
    );
    CREATE INDEX buckets_owner ON buckets(owner_id, name);

    -- One row per object version or delete marker; seq orders versions (larger = newer).
    CREATE TABLE objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket TEXT NOT NULL REFERENCES buckets(name),
        key TEXT NOT NULL,
        version_id TEXT NOT NULL,
        is_latest INTEGER NOT NULL,
        delete_marker INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        crc64 INTEGER NOT NULL,
        content_md5 TEXT,
        last_modified INTEGER NOT NULL,
        storage_class TEXT NOT NULL,
        acl TEXT NOT NULL,
        object_type TEXT NOT NULL,
        content_type TEXT NOT NULL,
        headers TEXT NOT NULL,
        user_meta TEXT NOT NULL,
        tags TEXT NOT NULL,
        symlink_target TEXT,
        owner_id TEXT NOT NULL,
        UNIQUE (bucket, key, version_id)
    );
    CREATE INDEX objects_versions ON objects(bucket, key, seq DESC);
    CREATE UNIQUE INDEX objects_latest ON objects(bucket, key) WHERE is_latest = 1;
    CREATE INDEX objects_current ON objects(bucket, key)
        WHERE is_latest = 1 AND delete_marker = 0;

    CREATE TABLE segments (
        seq INTEGER NOT NULL REFERENCES objects(seq) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        blob_id TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        PRIMARY KEY (seq, idx)
    ) WITHOUT ROWID;

    CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL REFERENCES buckets(name),
        key TEXT NOT NULL,
        initiated INTEGER NOT NULL,
        template TEXT NOT NULL
    );
    CREATE INDEX uploads_key ON uploads(bucket, key, upload_id);

    CREATE TABLE parts (
        upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
        part_number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        crc64 INTEGER NOT NULL,
        content_md5 TEXT,
        blob_id TEXT NOT NULL UNIQUE,
        last_modified INTEGER NOT NULL,
        PRIMARY KEY (upload_id, part_number)
    ) WITHOUT ROWID;

    -- Blobs on disk that no row references yet (written, not yet stored).
    CREATE TABLE pending_blobs (
        blob_id TEXT PRIMARY KEY,
        created INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- Blobs no longer referenced whose files may still exist.
    CREATE TABLE garbage (
        blob_id TEXT PRIMARY KEY,
        retired INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX garbage_retired ON garbage(retired);
    CREATE INDEX pending_blobs_created ON pending_blobs(created);
    """,
    # STS: per role, sessions issued before revoked_before (microseconds) are refused.
    """
    CREATE TABLE sts_revocations (
        account_id TEXT NOT NULL,
        role_name TEXT NOT NULL,
        revoked_before INTEGER NOT NULL,
        PRIMARY KEY (account_id, role_name)
    ) WITHOUT ROWID;
    """,
    # RAM: users, groups, roles, custom policies and their versions, attachments (targets by
    # id, so renames carry them), OIDC providers. Times are microseconds.
    """
    CREATE TABLE ram_users (
        user_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        mobile_phone TEXT NOT NULL,
        email TEXT NOT NULL,
        comments TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE TABLE ram_groups (
        group_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        comments TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE TABLE ram_group_members (
        group_id TEXT NOT NULL REFERENCES ram_groups(group_id),
        user_id TEXT NOT NULL REFERENCES ram_users(user_id),
        joined INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX ram_group_members_user ON ram_group_members(user_id);
    CREATE TABLE ram_roles (
        role_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        document TEXT NOT NULL,
        description TEXT NOT NULL,
        max_session_duration INTEGER NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE TABLE ram_policies (
        policy_id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        default_version INTEGER NOT NULL,
        next_version INTEGER NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE TABLE ram_policy_versions (
        policy_id INTEGER NOT NULL REFERENCES ram_policies(policy_id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        created INTEGER NOT NULL,
        PRIMARY KEY (policy_id, version)
    ) WITHOUT ROWID;
    -- policy_type 'System' | 'Custom'; target_type 'User' | 'Group' | 'Role'
    CREATE TABLE ram_attachments (
        account_id TEXT NOT NULL,
        policy_type TEXT NOT NULL,
        policy_name TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        attached INTEGER NOT NULL,
        PRIMARY KEY (account_id, policy_type, policy_name, target_type, target_id)
    ) WITHOUT ROWID;
    CREATE INDEX ram_attachments_target ON ram_attachments(target_type, target_id);
    CREATE TABLE ram_oidc_providers (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        issuer_url TEXT NOT NULL,
        client_ids TEXT NOT NULL,
        fingerprints TEXT NOT NULL,
        issuance_limit_time INTEGER NOT NULL,
        description TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        PRIMARY KEY (account_id, name)
    ) WITHOUT ROWID;
    """,
    # KMS Secrets Manager: managed RAM-credential secrets (the current and previous version,
    # their AccessKey secrets sealed with the master key) and application access points'
    # ClientKeys (public key, permission policy, allowed source networks). Times: microseconds.
    """
    CREATE TABLE kms_secrets (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        secret_type TEXT NOT NULL,
        ram_user TEXT NOT NULL,
        description TEXT NOT NULL,
        rotation_interval INTEGER NOT NULL,
        automatic_rotation TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        last_rotation INTEGER,
        next_rotation INTEGER,
        version_counter INTEGER NOT NULL,
        current_version TEXT NOT NULL,
        current_key_id TEXT NOT NULL,
        current_sealed BLOB NOT NULL,
        current_created INTEGER NOT NULL,
        previous_version TEXT,
        previous_key_id TEXT,
        previous_sealed BLOB,
        previous_created INTEGER,
        PRIMARY KEY (account_id, name)
    ) WITHOUT ROWID;
    CREATE INDEX kms_secrets_due ON kms_secrets(next_rotation)
        WHERE automatic_rotation = 'Enabled';
    CREATE TABLE kms_client_keys (
        key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        aap_name TEXT NOT NULL,
        public_key TEXT NOT NULL,
        policy TEXT NOT NULL,
        source_ips TEXT NOT NULL,
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL,
        created INTEGER NOT NULL
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    """The database was written by a newer ossbox."""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION, one step per transaction (safe across processes)."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"database schema version {version} is newer than this ossbox "
                    f"({SCHEMA_VERSION})"
                )
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit implicitly)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
