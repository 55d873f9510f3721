"""A rebuilt index is served within seconds, with no failed request during the swap."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from index import HashEmbedder, build
from tests import pdfs


def test_running_app_serves_a_rebuilt_index_without_failing_requests(
    make_app, docs: Path, index_dir: Path, tmp_path: Path
):
    app = make_app(RELOAD_INTERVAL=0.1)
    failures: list[str] = []
    served = {"n": 0}
    stop = threading.Event()

    def hammer() -> None:
        client = app.test_client()
        while not stop.is_set():
            for r in (
                client.post("/api/v1/search", json={"query": "ground rules"}),
                client.post("/api/v1/ask", json={"question": "how do we choose a venue?"}),
                client.get("/api/v1/health"),
            ):
                served["n"] += 1
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.get_data(as_text=True)[:200]}")

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        client = app.test_client()
        before = client.get("/api/v1/health").get_json()["index"]
        for round_ in range(3):  # three rebuilds while requests keep coming
            pdfs.write(
                docs / f"extra{round_}.pdf",
                pdfs.Spec(pages=[pdfs.Page([f"Extra document number {round_} about bus fares."])]),
            )
            build(docs, index_dir, HashEmbedder(), progress=False)
            deadline = time.monotonic() + 30  # a liveness bound, not a speed target
            while time.monotonic() < deadline:
                names = {
                    d["filename"] for d in client.get("/api/v1/documents").get_json()["documents"]
                }
                if f"extra{round_}.pdf" in names:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(f"rebuild {round_} not served within 30 s")
        after = client.get("/api/v1/health").get_json()["index"]
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert failures == []
    assert served["n"] > 50
    assert after["version"] != before["version"]
    assert after["documents"] == before["documents"] + 3
