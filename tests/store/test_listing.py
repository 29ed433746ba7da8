"""Listing semantics against a brute-force model, and cost proportional to the page."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.store import Store, open_store
from ossbox.store.base import VERSIONING_ENABLED, Bucket, ObjectVersion
from ossbox.store.crypto import MasterKey
from ossbox.store.listing import common_prefix, prefix_end

_names = itertools.count()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = open_store(tmp_path_factory.mktemp("listing"), master_key=MasterKey.generate())
    s.meta._db.conn().execute("PRAGMA synchronous = OFF")  # speed only; semantics unchanged
    yield s
    s.close()


def new_bucket(store: Store, versioning: str = "") -> str:
    name = f"b{next(_names)}"
    store.meta.create_bucket(
        Bucket(name=name, owner_id="1", region="cn-hangzhou", versioning=versioning)
    )
    return name


def put_empty(store: Store, bucket: str, key: str) -> ObjectVersion:
    return store.meta.put_object(ObjectVersion(bucket=bucket, key=key))


# ---------------------------------------------------------------------------------------------
# the model


def model_entries(
    keys: list[tuple[str, object]], prefix: str, delimiter: str, marker: str
) -> list[tuple[str, object]]:
    """Sorted (key, payload) rows -> ("cp", prefix) / (key, payload) entries after `marker`."""
    out: list[tuple[str, object]] = []
    for key, payload in keys:
        if not key.startswith(prefix) or key <= marker:
            continue
        cp = common_prefix(key, prefix, delimiter)
        if cp is None:
            out.append((key, payload))
        elif cp != marker and out[-1:] != [("cp", cp)]:
            out.append(("cp", cp))
    return out


keys_st = st.lists(st.text(alphabet="ab/é", max_size=4), max_size=25)
opts_st = st.fixed_dictionaries(
    {
        "prefix": st.sampled_from(["", "a", "a/", "b/a", "é"]),
        "delimiter": st.sampled_from(["", "/", "a/", "é"]),
        "max_keys": st.integers(1, 6),
    }
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keys=keys_st,
    deleted=st.sets(st.integers(0, 24)),
    opts=opts_st,
    marker=st.text("ab/é", max_size=3),
)
def test_list_objects_matches_model_across_pages(
    shared: Store, keys: list[str], deleted: set[int], opts: dict[str, object], marker: str
) -> None:
    bucket = new_bucket(shared, VERSIONING_ENABLED)
    for k in keys:
        put_empty(shared, bucket, k)
    gone = {k for i, k in enumerate(keys) if i in deleted}
    for k in gone:
        shared.meta.delete_object(bucket, k)  # delete markers hide the key
    prefix, delimiter, max_keys = opts["prefix"], opts["delimiter"], opts["max_keys"]
    assert isinstance(prefix, str) and isinstance(delimiter, str) and isinstance(max_keys, int)
    live = [(k, None) for k in sorted(set(keys) - gone)]
    expected = model_entries(live, prefix, delimiter, marker)

    got: list[tuple[str, object]] = []
    cursor = marker
    for _ in range(100):
        page = shared.meta.list_objects(
            bucket, prefix=prefix, start_after=cursor, delimiter=delimiter, max_keys=max_keys
        )
        entries = sorted(
            [(e.key, None) for e in page.entries] + [("cp", p) for p in page.common_prefixes],
            key=lambda e: e[0] if e[0] != "cp" else str(e[1]),
        )
        assert len(entries) <= max_keys
        got.extend(entries)
        if not page.is_truncated:
            break
        assert page.next_marker is not None
        cursor = page.next_marker
    assert got == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["put", "del"]),
            st.sampled_from(["a", "a/b", "a/c", "b", "b/x/y", "c/"]),
        ),
        max_size=20,
    ),
    opts=opts_st,
)
def test_list_object_versions_matches_model_across_pages(
    shared: Store, ops: list[tuple[str, str]], opts: dict[str, object]
) -> None:
    bucket = new_bucket(shared, VERSIONING_ENABLED)
    for op, key in ops:
        if op == "put":
            put_empty(shared, bucket, key)
        else:
            shared.meta.delete_object(bucket, key)
    prefix, delimiter, max_keys = opts["prefix"], opts["delimiter"], opts["max_keys"]
    assert isinstance(prefix, str) and isinstance(delimiter, str) and isinstance(max_keys, int)
    everything = shared.meta.list_object_versions(bucket, max_keys=1000).entries
    rows = sorted(((v.key, v.version_id, -v.seq) for v in everything), key=lambda r: (r[0], r[2]))
    expected = model_entries([(k, vid) for k, vid, _ in rows], prefix, delimiter, "")

    got: list[tuple[str, object]] = []
    key_marker, vid_marker = "", ""
    for _ in range(200):
        page = shared.meta.list_object_versions(
            bucket,
            prefix=prefix,
            key_marker=key_marker,
            version_id_marker=vid_marker,
            delimiter=delimiter,
            max_keys=max_keys,
        )
        entries = [(e.key, e.version_id) for e in page.entries]
        entries += [("cp", p) for p in page.common_prefixes]
        got.extend(sorted(entries, key=lambda e: e[0] if e[0] != "cp" else str(e[1])))
        if not page.is_truncated:
            break
        assert page.next_key_marker is not None
        key_marker, vid_marker = page.next_key_marker, page.next_version_id_marker or ""
    # Within one key, entries must come newest first, exactly like the model.
    assert got == expected


def test_versions_newest_first_and_latest_flags(shared: Store) -> None:
    bucket = new_bucket(shared, VERSIONING_ENABLED)
    v = [put_empty(shared, bucket, "k") for _ in range(3)]
    page = shared.meta.list_object_versions(bucket)
    assert [e.seq for e in page.entries] == [v[2].seq, v[1].seq, v[0].seq]
    assert [e.is_latest for e in page.entries] == [True, False, False]
    page = shared.meta.list_object_versions(
        bucket, key_marker="k", version_id_marker=v[2].version_id, max_keys=1
    )
    assert [e.seq for e in page.entries] == [v[1].seq] and page.is_truncated
    assert (page.next_key_marker, page.next_version_id_marker) == ("k", v[1].version_id)


def test_list_objects_hides_delete_markers_and_shows_older_promoted(shared: Store) -> None:
    bucket = new_bucket(shared, VERSIONING_ENABLED)
    put_empty(shared, bucket, "a")
    put_empty(shared, bucket, "b")
    marker = shared.meta.delete_object(bucket, "a")
    assert [e.key for e in shared.meta.list_objects(bucket).entries] == ["b"]
    assert marker.version_id is not None
    shared.meta.delete_object(bucket, "a", marker.version_id)
    assert [e.key for e in shared.meta.list_objects(bucket).entries] == ["a", "b"]


def test_common_prefix_marker_skips_the_group(shared: Store) -> None:
    bucket = new_bucket(shared)
    for k in ["a/1", "a/2", "a0", "b/1", "c"]:
        put_empty(shared, bucket, k)
    page = shared.meta.list_objects(bucket, delimiter="/", max_keys=1)
    assert page.common_prefixes == ["a/"] and page.next_marker == "a/" and page.is_truncated
    page = shared.meta.list_objects(bucket, delimiter="/", start_after="a/", max_keys=2)
    assert [e.key for e in page.entries] == ["a0"] and page.common_prefixes == ["b/"]
    assert page.next_marker == "b/"
    page = shared.meta.list_objects(bucket, delimiter="/", start_after="b/")
    assert [e.key for e in page.entries] == ["c"] and not page.is_truncated
    assert page.next_marker is None


def test_buckets_listing_pages_by_owner_and_prefix(store: Store) -> None:
    for name, owner in [("a1", "x"), ("a2", "y"), ("a3", "x"), ("b1", "x")]:
        store.meta.create_bucket(Bucket(name=name, owner_id=owner, region="r"))
    page = store.meta.list_buckets(owner_id="x", prefix="a", max_keys=1)
    assert [b.name for b in page.buckets] == ["a1"] and page.is_truncated
    assert page.next_marker == "a1"
    page = store.meta.list_buckets(owner_id="x", prefix="a", marker="a1", max_keys=1)
    assert [b.name for b in page.buckets] == ["a3"] and not page.is_truncated
    assert [b.name for b in store.meta.list_buckets().buckets] == ["a1", "a2", "a3", "b1"]


def test_prefix_end() -> None:
    assert prefix_end("") is None
    assert prefix_end("a/") == "a0"
    assert prefix_end("a\U0010ffff") == "b"
    assert (
        prefix_end("\ud7ff".encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass"))
        == "\ue000"
    )
    for p in ["a/", "é", "x\uffff"]:
        end = prefix_end(p)
        assert end is not None and p + "\U0010ffff" * 3 < end
        assert end.encode() > (p + "\U0010ffff").encode()


# ---------------------------------------------------------------------------------------------
# cost


class Meter:
    """Counts SQL statements and VM progress callbacks on the store's connection."""

    def __init__(self, store: Store) -> None:
        self.conn = store.meta._db.conn()  # this thread's connection
        self.statements: list[str] = []
        self.steps = 0

    def __enter__(self) -> Meter:
        self.conn.set_trace_callback(self.statements.append)
        self.conn.set_progress_handler(self._tick, 100)
        return self

    def _tick(self) -> int:
        self.steps += 1
        return 0

    def __exit__(self, *exc: object) -> None:
        self.conn.set_trace_callback(None)
        self.conn.set_progress_handler(None, 0)


def fill(store: Store, bucket: str, keys: list[str]) -> None:
    for key in keys:
        put_empty(store, bucket, key)


@pytest.mark.parametrize("group_size", [10, 3000])
def test_delimiter_listing_jumps_over_big_prefixes(shared: Store, group_size: int) -> None:
    bucket = new_bucket(shared)
    fill(shared, bucket, ["a", *(f"big/{i:05d}" for i in range(group_size)), "c/1", "d"])
    with Meter(shared) as meter:
        page = shared.meta.list_objects(bucket, delimiter="/", max_keys=100)
    assert [e.key for e in page.entries] == ["a", "d"]
    assert page.common_prefixes == ["big/", "c/"]
    selects = [s for s in meter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, meter.statements  # one per common prefix jump, plus the first
    # The work done does not depend on how many keys hide under "big/".
    assert meter.steps < 50, meter.steps


@pytest.mark.parametrize("size", [50, 3000])
def test_page_cost_is_independent_of_bucket_size(shared: Store, size: int) -> None:
    bucket = new_bucket(shared, VERSIONING_ENABLED)
    fill(shared, bucket, [f"k{i:05d}" for i in range(size)])
    for i in range(0, size, 2):  # delete markers on half the keys
        shared.meta.delete_object(bucket, f"k{i:05d}")
    with Meter(shared) as meter:
        page = shared.meta.list_objects(bucket, start_after="k00010", max_keys=10)
    assert [e.key for e in page.entries][:2] == ["k00011", "k00013"]
    assert len(meter.statements) <= 4 and meter.steps < 50, (meter.statements, meter.steps)
    with Meter(shared) as meter:
        vpage = shared.meta.list_object_versions(bucket, key_marker="k00010", max_keys=10)
    assert len(vpage.entries) == 10 and meter.steps < 50, meter.steps


def test_listing_uses_the_intended_indexes(shared: Store) -> None:
    conn = shared.meta._db.conn()
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT key FROM objects INDEXED BY objects_versions"
        " WHERE bucket = ? AND key > ? ORDER BY key, seq DESC LIMIT 5",
        ("b", "k"),
    ).fetchall()
    assert not any("TEMP B-TREE" in row[-1] for row in plan), plan


def test_db_path_is_under_data_dir(store: Store, tmp_path: Path) -> None:
    assert store.meta.path.parent == tmp_path / "data"  # type: ignore[attr-defined]
