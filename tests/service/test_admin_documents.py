"""The console's documents page: uploads checked and refused with the reason, nothing lost,
and a change rebuilt in the background and served without a restart."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from service.admin import rebuild
from service.admin.uploads import human_size
from tests import pdfs
from tests.service.test_admin import make_admin, sign_in, token

VOLUNTEERS = pdfs.Spec(
    title="Recruiting volunteers",
    pages=[
        pdfs.Page(
            [
                "Volunteers for the allotment group are recruited at the spring fair.",
                "A volunteer coordinator keeps a rota of who waters the allotment beds.",
            ],
            "Allotment volunteers",
        )
    ],
)
QUESTION = "How are volunteers for the allotment recruited?"


@pytest.fixture
def admin_client(app, client):
    make_admin(app)
    sign_in(client)
    return client


def folder_state(docs: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(docs.iterdir())}


def upload(client, data: bytes, name: str, path: str = "/admin/documents", **form):
    return client.post(
        path,
        data={
            "csrf_token": token(client, "/admin/documents"),
            "pdf": (io.BytesIO(data), name),
            **form,
        },
        content_type="multipart/form-data",
    )


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs.render(VOLUNTEERS))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=300, height=400)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def wait(app) -> rebuild.BuildState:
    state = rebuild.wait_idle(app.extensions["toolkit_admin"].build_dir, timeout=120)
    assert not state.busy, state
    return state


def test_the_page_lists_the_indexed_documents(app, admin_client, docs):
    page = admin_client.get("/admin/documents").get_data(as_text=True)
    index = app.extensions["toolkit"].index()
    for d in index.documents:
        assert d.title in page and d.sha256 in page
    assert '<input type="file" id="pdf" name="pdf"' in page
    size = (docs / "guide.pdf").stat().st_size
    assert human_size(size) in page and "KB" in human_size(size)


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"", "empty.pdf", "The file is empty"),
        (b"just some words, not a PDF\n" * 10, "notes.pdf.pdf", "not a PDF file"),
        (pdfs.render(VOLUNTEERS), "volunteers.docx", "Only PDF files"),
        (None, "locked.pdf", "protected with a password"),
        (b"%PDF-1.7\n" + b"garbage " * 200, "broken.pdf", "cannot be read"),
        (image_only_pdf(), "scan.pdf", "No text was found"),
    ],
)
def test_a_bad_upload_is_refused_with_the_reason_and_nothing_changes(
    app, admin_client, docs, data, filename, reason
):
    before = folder_state(docs)
    response = upload(admin_client, encrypted_pdf() if data is None else data, filename)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert reason in body and "Nothing was changed" in body
    assert folder_state(docs) == before  # no temporary file left either
    assert rebuild.read_state(app.extensions["toolkit_admin"].build_dir).state == "none"


def test_an_oversize_upload_is_refused_with_the_limit(make_app, docs):
    app = make_app(ADMIN_MAX_UPLOAD_MB=0.01)  # about 10 KB
    make_admin(app)
    client = app.test_client()
    sign_in(client)
    before = folder_state(docs)
    big = pdfs.render(VOLUNTEERS) + b"%" + b"x" * 12_000
    response = upload(client, big, "big.pdf")
    assert response.status_code == 422
    assert "larger than the 10 KB limit" in response.get_data(as_text=True)
    huge = upload(client, b"%PDF-" + b"x" * 100_000, "huge.pdf")  # beyond the body limit: 413
    assert huge.status_code == 413 and "larger than the" in huge.get_data(as_text=True)
    assert folder_state(docs) == before


def test_an_upload_does_not_overwrite_a_document_of_the_same_name(admin_client, docs):
    before = folder_state(docs)
    response = upload(admin_client, pdfs.render(VOLUNTEERS), "guide.pdf")
    assert response.status_code == 422 and "use Replace" in response.get_data(as_text=True)
    assert folder_state(docs) == before


def test_names_are_made_safe(admin_client, docs, app):
    response = upload(admin_client, pdfs.render(VOLUNTEERS), "../../etc/Volunteer guide.PDF")
    assert response.status_code == 303
    assert (docs / "etc_Volunteer_guide.pdf").exists()
    assert not (docs.parent / "etc").exists()
    wait(app)


def test_an_upload_is_indexed_in_the_background_and_answered_without_a_restart(
    app, admin_client, client, docs
):
    before = client.post("/api/v1/ask", json={"question": QUESTION}).get_json()
    assert not any(c["document"]["filename"] == "volunteers.pdf" for c in before["citations"])
    response = upload(admin_client, pdfs.render(VOLUNTEERS), "volunteers.pdf")
    assert response.status_code == 303
    page = admin_client.get("/admin/documents").get_data(as_text=True)
    assert "volunteers.pdf was added" in page
    state = wait(app)
    assert state.state == "done", state
    assert "indexed 3 documents" in state.summary
    page = admin_client.get("/admin/documents").get_data(as_text=True)
    assert "Recruiting volunteers" in page and "Last rebuild finished" in page
    after = client.post("/api/v1/ask", json={"question": QUESTION}).get_json()
    assert after["answered"], after
    assert after["citations"][0]["document"]["filename"] == "volunteers.pdf"
    assert "allotment" in after["answer"].lower()


def test_replace_keeps_the_name_and_archives_the_old_version(app, admin_client, docs):
    old = (docs / "notes.pdf").read_bytes()
    new = pdfs.render(VOLUNTEERS)
    response = upload(
        admin_client, new, "anything.pdf", path="/admin/documents/replace", filename="notes.pdf"
    )
    assert response.status_code == 303
    assert (docs / "notes.pdf").read_bytes() == new
    archive = list((Path(app.instance_path) / "admin" / "removed").iterdir())
    assert [p.read_bytes() for p in archive] == [old]
    wait(app)
    titles = {d.filename: d.title for d in app.extensions["toolkit"].index().documents}
    assert titles["notes.pdf"] == "Recruiting volunteers"


def test_a_bad_replacement_keeps_the_old_file(admin_client, docs):
    before = folder_state(docs)
    response = upload(
        admin_client, b"", "notes.pdf", path="/admin/documents/replace", filename="notes.pdf"
    )
    assert response.status_code == 422 and "empty" in response.get_data(as_text=True)
    assert folder_state(docs) == before


def test_remove_archives_the_file_and_rebuilds(app, admin_client, docs):
    data = {"csrf_token": token(admin_client, "/admin/documents"), "filename": "notes.pdf"}
    assert admin_client.post("/admin/documents/remove", data=data).status_code == 303
    assert not (docs / "notes.pdf").exists()
    assert len(list((Path(app.instance_path) / "admin" / "removed").iterdir())) == 1
    wait(app)
    assert [d.filename for d in app.extensions["toolkit"].index().documents] == ["guide.pdf"]
    # the last document cannot be removed
    data["filename"] = "guide.pdf"
    response = admin_client.post("/admin/documents/remove", data=data)
    assert response.status_code == 422 and "only document" in response.get_data(as_text=True)
    assert (docs / "guide.pdf").exists()


def test_only_files_in_the_folder_can_be_replaced_or_removed(admin_client, docs, tmp_path):
    (tmp_path / "outside.pdf").write_bytes(pdfs.render(VOLUNTEERS))
    data = {"csrf_token": token(admin_client, "/admin/documents"), "filename": "../outside.pdf"}
    response = admin_client.post("/admin/documents/remove", data=data)
    assert response.status_code == 422 and "no document named" in response.get_data(as_text=True)
    assert (tmp_path / "outside.pdf").exists()


def test_a_failed_build_keeps_the_old_index_and_says_why(app, admin_client, tmp_path, monkeypatch):
    version = app.extensions["toolkit"].index().version
    folder = app.extensions["toolkit_admin"].build_dir
    # a folder whose only PDF (copied there by hand, not uploaded) has no text: nothing to index
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "scan.pdf").write_bytes(image_only_pdf())
    monkeypatch.setitem(app.config, "DOCS_DIR", str(broken))
    data = {"csrf_token": token(admin_client, "/admin/documents")}
    assert admin_client.post("/admin/documents/rebuild", data=data).status_code == 303
    state = rebuild.wait_idle(folder, timeout=120)
    assert state.state == "failed" and "scan.pdf" in state.error
    page = admin_client.get("/admin/documents").get_data(as_text=True)
    assert "failed" in page and "still answers from the previous index" in page
    assert app.extensions["toolkit"].index().version == version


def test_build_status_is_json_for_the_progress_script(admin_client):
    state = admin_client.get("/admin/documents/build").get_json()
    assert state["state"] == "none" and state["busy"] is False


def test_one_build_at_a_time_and_no_change_missed(tmp_path, docs, index_dir):
    """Two requests close together: the second waits for the first's lock and then builds
    what the folder holds by then."""
    folder = tmp_path / "build"
    rebuild.request_rebuild(folder, docs, index_dir, "hash")
    pdfs.write(docs / "volunteers.pdf", VOLUNTEERS)
    rebuild.request_rebuild(folder, docs, index_dir, "hash")
    state = rebuild.wait_idle(folder, timeout=120)
    assert state.state == "done", state
    assert "indexed 3 documents" in state.summary
    log = (folder / "build.log").read_text()
    assert re.search(r"\d+/\d+", log)  # the progress bars the page shows


def test_a_build_whose_runner_died_shows_as_interrupted(tmp_path):
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / rebuild.STATE).write_text('{"state": "running", "started_at": "2026-01-01T00:00:00"}')
    assert rebuild.read_state(folder).state == "interrupted"  # nobody holds the lock
    (folder / rebuild.PENDING).touch()
    assert rebuild.read_state(folder).state == "queued"


def test_a_build_that_finishes_while_its_state_is_read_is_done_not_interrupted(
    tmp_path, monkeypatch
):
    """The runner writes its last state, then lets the lock go: a reader that saw "running"
    just before and finds the lock free just after must look again, not report a dead runner."""
    folder = tmp_path / "build"
    folder.mkdir()
    rebuild._write_state(folder, state="running", started_at="2026-12-01T17:20:42+00:00")
    looks = []

    def lock_free_after_the_runner_finished(path: Path) -> bool:
        if not looks:  # between the reader's two looks, the runner finished
            rebuild._write_state(folder, state="done", summary="indexed 3 documents")
        looks.append(path)
        return False

    monkeypatch.setattr(rebuild, "_locked", lock_free_after_the_runner_finished)
    assert rebuild.read_state(folder).state == "done"
    rebuild._write_state(folder, state="running", started_at="2026-12-01T17:20:42+00:00")
    assert rebuild.read_state(folder).state == "interrupted"  # no lock, still running: it died
