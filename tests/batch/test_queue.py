"""A queue of generated tickets through ``hiveparse analyze``: one document per ticket, in
order, each naming its case and saying what the ticket's files hold (tests/support/
ticket_queue.py computes that from what it wrote); parallel runs give the same bytes;
``--resume`` finishes a stopped run to the same bytes as a run that never stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.running import hiveparse
from tests.support.ticket_queue import KINDS, Ticket, make_queue

AS_OF = "2026-06-01T00:00:00Z"
COUNT = 2 * len(KINDS)  # every kind twice


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Ticket]]:
    root = tmp_path_factory.mktemp("queue") / "tickets"
    return root, make_queue(root, COUNT)


@pytest.fixture(scope="module")
def full_run(queue: tuple[Path, list[Ticket]]) -> str:
    root, _ = queue
    done = hiveparse("analyze", root, "-f", "jsonl", "--as-of", AS_OF, cwd=root.parent)
    assert done.returncode == 3, done.stderr  # the broken tickets make the run partial
    return done.stdout


def _documents(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_every_ticket_gets_its_own_document_in_order(
    queue: tuple[Path, list[Ticket]], full_run: str
) -> None:
    root, tickets = queue
    documents = _documents(full_run)
    assert [d["host"]["case"] for d in documents] == [t.case for t in tickets]  # type: ignore[index]
    for ticket, document in zip(tickets, documents, strict=True):
        host = document["host"]
        licensing = document["licensing"]
        assert host["argument"] == str(root), ticket  # type: ignore[index]
        assert host["identity"]["computer_name"] == ticket.computer_name, ticket  # type: ignore[index]
        assert licensing["mode"]["effective"] == ticket.mode, ticket  # type: ignore[index]
        servers = licensing["license_servers"]  # type: ignore[index]
        assert tuple(servers["effective"]) == ticket.servers, ticket
        assert servers["layer"] == ticket.servers_layer, ticket
        assert document["partial"] is ticket.partial, ticket
        assert bool(document["evidence"]) is ticket.has_evidence, ticket
        codes = {d["code"]: d for d in document["diagnostics"]}  # type: ignore[attr-defined]
        if ticket.kind == "broken":
            cut = codes["reg.truncated"]
            assert (cut["line"], cut["source"]) == (
                ticket.broken_line,
                f"{root}/{ticket.case}/SYSTEM.reg",
            )
        if not ticket.has_evidence:
            assert "case.no_evidence" in codes and document["findings"] == []
            assert host["label"] == f"case without evidence ({ticket.case})"  # type: ignore[index]


def test_machines_with_one_name_stay_apart(queue: tuple[Path, list[Ticket]], full_run: str) -> None:
    _, tickets = queue
    named = [t for t in tickets if t.computer_name == "TS01"]
    assert len(named) > 1
    documents = [
        d for d in _documents(full_run) if d["host"]["identity"]["computer_name"] == "TS01"
    ]  # type: ignore[index]
    assert len(documents) == len(named)
    assert len({d["evidence"][0]["path"] for d in documents}) == len(named)  # type: ignore[index]


def test_two_processes_give_the_same_bytes(queue: tuple[Path, list[Ticket]], full_run: str) -> None:
    root, _ = queue
    done = hiveparse(
        "analyze", root, "-f", "jsonl", "--as-of", AS_OF, "--jobs", "2", cwd=root.parent
    )
    assert done.returncode == 3
    assert done.stdout == full_run


@pytest.mark.parametrize("cut", ["whole_cases", "torn_line"])
def test_resume_finishes_a_stopped_run_to_the_same_bytes(
    queue: tuple[Path, list[Ticket]], full_run: str, tmp_path: Path, cut: str
) -> None:
    root, _ = queue
    lines = full_run.splitlines(keepends=True)
    kept = "".join(lines[:5])
    if cut == "torn_line":
        kept += lines[5][: len(lines[5]) // 2]  # a write cut in the middle of a case
    report = tmp_path / "report.jsonl"
    report.write_text(kept)
    done = hiveparse(
        "analyze", root, "-f", "jsonl", "--as-of", AS_OF, "--resume", report, cwd=root.parent
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert report.read_text() == full_run
    assert ("last case was cut off" in done.stderr) is (cut == "torn_line")


def test_resume_of_a_finished_run_does_nothing(
    queue: tuple[Path, list[Ticket]], full_run: str, tmp_path: Path
) -> None:
    root, _ = queue
    report = tmp_path / "report.jsonl"
    report.write_text(full_run)
    done = hiveparse("analyze", root, "-f", "jsonl", "--resume", report, cwd=root.parent)
    assert done.returncode == 3  # the batch's exit code: its broken tickets are partial
    assert "nothing to do" in done.stderr
    assert report.read_text() == full_run


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-f", "json"], "give -f jsonl"),
        (["-f", "jsonl", "-o", "elsewhere.jsonl"], "give -o that file or no -o"),
    ],
)
def test_resume_refuses_what_it_cannot_continue(
    queue: tuple[Path, list[Ticket]], tmp_path: Path, extra: list[str], message: str
) -> None:
    root, _ = queue
    report = tmp_path / "report.jsonl"
    report.write_text("")
    done = hiveparse("analyze", root, "--resume", report, *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_resume_refuses_a_file_that_is_no_report(
    queue: tuple[Path, list[Ticket]], tmp_path: Path
) -> None:
    root, _ = queue
    report = tmp_path / "report.jsonl"
    report.write_text('{"host": {}}\nnot json\n')
    done = hiveparse("analyze", root, "-f", "jsonl", "--resume", report)
    assert done.returncode == 2
    assert "line 2: not a report" in done.stderr
    assert report.read_text() == '{"host": {}}\nnot json\n'  # left as it was


def test_resume_keeps_one_moment_and_one_batch(
    queue: tuple[Path, list[Ticket]], full_run: str, tmp_path: Path
) -> None:
    root, _ = queue
    lines = full_run.splitlines(keepends=True)
    report = tmp_path / "report.jsonl"
    report.write_text("".join(lines[:4]))
    # Without --as-of the kept reports' moment is used; from another folder, the same
    # batch is recognised by where its argument lies.
    done = hiveparse("analyze", root.name, "-f", "jsonl", "--resume", report, cwd=root.parent)
    assert done.returncode == 3, done.stderr
    assert {json.loads(x)["as_of"] for x in report.read_text().splitlines()} == {
        "2026-06-01T00:00:00Z"
    }
    assert report.read_text() != full_run  # host.argument is named as given: "tickets"
    assert [json.loads(x)["host"]["case"] for x in report.read_text().splitlines()] == [
        json.loads(x)["host"]["case"] for x in full_run.splitlines()
    ]
    report.write_text("".join(lines[:4]))
    other = hiveparse("analyze", root, "-f", "jsonl", "--as-of", "2026-07-01", "--resume", report)
    assert other.returncode == 2 and "resume with the same moment" in other.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "t").mkdir()
    foreign = hiveparse("analyze", elsewhere, "-f", "jsonl", "--resume", report)
    assert foreign.returncode == 2 and "none of its 4 report(s)" in foreign.stderr
    assert report.read_text() == "".join(lines[:4])  # a refused resume leaves FILE as it was


def test_a_ticket_holding_only_a_link_out_of_it_is_partial(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets"
    make_queue(tickets, 2)
    linker = tickets / "linker"
    linker.mkdir()
    (linker / "SYSTEM.reg").symlink_to(tickets / "ticket-00001" / "SYSTEM.reg")
    done = hiveparse("analyze", tickets, "-f", "jsonl", "--as-of", AS_OF)
    documents = _documents(done.stdout)
    (linked,) = [d for d in documents if d["host"]["case"] == "linker"]
    assert linked["partial"] is True  # a link out of the case may hide evidence
    codes = [d["code"] for d in linked["diagnostics"]]  # type: ignore[union-attr]
    assert codes == ["case.no_evidence", "discover.symlink_outside"]
    assert done.returncode == 3


def test_one_machines_keys_are_refused_for_a_batch(queue: tuple[Path, list[Ticket]]) -> None:
    root, _ = queue
    done = hiveparse("analyze", root, "--security", root / "ticket-00001" / "SYSTEM.reg")
    assert done.returncode == 2
    assert "one machine's key material" in done.stderr
