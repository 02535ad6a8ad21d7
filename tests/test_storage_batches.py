"""Reports and drops written in batches (govcrawl/store/writes.py): the same rows as one transaction per page, on
SQLite and PostgreSQL, written here or on the writer thread a crawl uses; reads in the process see what is queued;
a page written twice keeps its order; a batch that cannot be written is reported page by page."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy

from govcrawl.store.store import Store
from govcrawl.store.writes import BATCH

TIMES = {"first_seen", "last_seen", "last_confirmed", "seen", "id"}


def _pages(n: int, digest: str = "A") -> list[dict]:
    return [{"url": f"http://a.gov.cn/{i}", "portal": "a", "title": f"T{i}", "report_year": 2000 + i % 20,
             "payload_digest": f"sha1:{digest}{i}", "warc_filename": "w.warc.gz", "warc_offset": 100 * i,
             "sources": {"title": "meta"}, "classification_reasons": ["title"]} for i in range(n)]


def _cells(i: int) -> list[tuple]:
    return [("table2", "规章", "本年制发件数", float(i)), ("table3", "总计", "本年新收政府信息公开申请数量", None)]


def _signature(i: int):
    return lambda: ("minhash-v1", bytes([i % 256]) * 8, [i, i + 1000])


def _tables(url: str) -> dict[str, list[tuple]]:
    """Every row of the tables the writes touch, without ids and times (which differ between two runs)."""
    engine = sqlalchemy.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for name in ("reports", "captures", "report_statistics", "near_duplicate_signatures", "near_duplicate_bands",
                     "drops"):
            table = sqlalchemy.Table(name, sqlalchemy.MetaData(), autoload_with=conn)
            cols = [c for c in table.c if c.name not in TIMES]
            out[name] = sorted(tuple(str(v) for v in row) for row in conn.execute(sqlalchemy.select(*cols)))
    engine.dispose()
    return out


def _history(store: Store, queue: bool) -> list[str]:
    """Two crawls of 150 pages (new, then a third changed and a few now drops), queued or saved one by one."""
    statuses: list[str] = []
    for crawl in range(2):
        for i, values in enumerate(_pages(150)):
            if crawl == 1 and i % 3 == 0:  # a third of the pages changed since the first crawl
                values["payload_digest"] += "-edited"
            if crawl == 1 and i % 50 == 7:
                drop = {"url": values["url"], "portal": "a", "kind": "other", "reasons": ["work plan"], "score": 0.0}
                if queue:
                    store.queue_drop(drop, done=lambda s, e: statuses.append(s if e is None else repr(e)))
                else:
                    store.save_drop(drop)
                    statuses.append("dropped")
                continue
            args = (values, {"etag": f'"{i}"', "last_modified": None}, _cells(i + crawl * (i % 3 == 0)), _signature(i))
            if queue:
                store.queue_report(*args, done=lambda s, e: statuses.append(s if e is None else repr(e)))
            else:
                statuses.append(store.save_report(*args))
        store.flush()
    return statuses


@pytest.fixture(params=["here", "writer_thread"])
def where(request):
    """Batches written on the calling thread, or handed to the writer thread (as a crawl does)."""
    return request.param


def _store(url: str, where: str) -> Store:
    store = Store(url)
    if where == "writer_thread":
        assert store.write_in_background()
    return store


def test_batches_write_the_rows_one_transaction_per_page_writes(db_url, tmp_path, where):
    one_by_one = f"sqlite:///{tmp_path / 'one_by_one.sqlite3'}"
    reference = Store(one_by_one)
    expected_statuses = _history(reference, queue=False)
    reference.close()
    store = _store(db_url, where)
    statuses = _history(store, queue=True)
    store.close()
    assert statuses == expected_statuses
    assert statuses.count("new") == 150 and statuses.count("changed") == 49 and statuses.count("unchanged") == 98 and statuses.count("dropped") == 3
    assert _tables(db_url) == _tables(one_by_one)


def test_reads_see_the_queued_rows_and_a_url_keeps_its_order(db_url, where):
    store = _store(db_url, where)
    url = "http://a.gov.cn/x"
    store.queue_report({"url": url, "portal": "a", "payload_digest": "sha1:A"})
    assert len(store.pending) == 1
    assert store.known_urls("a") == {url}          # a read flushes first
    assert len(store.pending) == 0
    # the same URL a report, then a drop, then a report again, queued: each write in its turn
    store.queue_report({"url": url, "portal": "a", "payload_digest": "sha1:B"})
    store.queue_drop({"url": url, "portal": "a", "kind": "junk", "reasons": ["mirror"]})
    assert [d.url for d in store.drops()] == [url] and store.reports() == []
    store.queue_drop({"url": url, "portal": "a", "kind": "junk", "reasons": ["mirror"]})
    store.queue_report({"url": url, "portal": "a", "payload_digest": "sha1:C"})
    assert store.drops() == [] and [r.payload_digest for r in store.reports()] == ["sha1:C"]
    assert [c.payload_digest for c in store.captures(url)] == ["sha1:A", "sha1:B", "sha1:C"]
    store.close()


def test_a_full_batch_is_written_without_being_asked(db_url, where):
    store = _store(db_url, where)
    for values in _pages(BATCH - 1):
        store.queue_report(values)
    assert len(store.pending) == BATCH - 1
    store.queue_report(_pages(BATCH + 1)[-1])
    assert len(store.pending) == 0
    if store.pending.writer is not None:  # handed over: written once the thread has done it
        store.pending.writer.wait()
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(sqlalchemy.text("SELECT count(*) FROM reports")) == BATCH
    engine.dispose()
    store.close()


def test_a_batch_that_cannot_be_written_is_reported_page_by_page(tmp_path, where):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    store = _store(url, where)
    caller = threading.current_thread()
    threads: list = []
    outcomes: list = []
    for values in _pages(3):
        store.queue_report(values, done=lambda s, e: (outcomes.append((s, type(e).__name__ if e else None)),
                                                     threads.append(threading.current_thread())))
    with store.engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP TABLE captures"))
    store.flush()
    assert [s for s, _ in outcomes] == [None, None, None]
    assert {e for _, e in outcomes} == {"OperationalError"}
    assert set(threads) == {caller}  # the callbacks run on the thread that queued, wherever the batch was written
    # nothing of the batch was written (one transaction), and the queue is empty
    with store.engine.connect() as conn:
        assert conn.scalar(sqlalchemy.text("SELECT count(*) FROM reports")) == 0
    assert len(store.pending) == 0
    store.pending.close()
    store.engine.dispose()
    # save_report, which writes at once, raises the error itself

    with pytest.raises(sqlalchemy.exc.OperationalError):
        store.save_report(_pages(1)[0])


def test_the_writer_thread_writes_the_batches_and_the_caller_counts_them(tmp_path):
    """A crawl hands its batches over and goes on: the INSERTs run on the writer thread, the callbacks on the
    queueing thread at its next add / tick / flush; attachments and other writers' jobs go the same way."""
    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    store = _store(url, "writer_thread")
    writers: set[str] = set()

    @sqlalchemy.event.listens_for(store.engine, "before_cursor_execute")
    def _who(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writers.add(threading.current_thread().name)

    statuses: list = []
    called_on: set[str] = set()

    def done(status, error):
        statuses.append((status, error))
        called_on.add(threading.current_thread().name)

    pages = _pages(BATCH)
    for values in pages:
        store.queue_report(values, done=done)
    store.queue_attachment({"url": "http://a.gov.cn/f.pdf", "portal": "a", "payload_digest": "sha1:F",
                            "warc_filename": "w.warc.gz", "warc_offset": 7, "text": "x", "text_note": "pdf"},
                           done=done)
    failures: list = []
    store.submit(lambda conn: conn.exec_driver_sql("UPDATE reports SET title = 'job' WHERE url = ?",
                                                   (pages[0]["url"],)), failures.append)
    store.pending.writer.wait()
    store.tick()
    store.flush()
    assert statuses == [("new", None)] * BATCH + [("stored", None)]
    assert called_on == {threading.current_thread().name}
    assert writers == {"govcrawl-db-writer"} and failures == []
    assert {r.url: r.title for r in store.reports()}[pages[0]["url"]] == "job"  # after the batch, in order
    assert [(a.url, a.warc_offset) for a in store.attachments()] == [("http://a.gov.cn/f.pdf", 7)]
    store.close()
    assert store.pending.writer is None
