"""The readable summary of analyze reports, for a terminal (rich).

It reads the host documents (the JSON contract) and nothing else, so what a person sees is
what a script gets. Nothing is printed as a Python value: a missing value reads "unknown" or
"none", and every line says where it comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from hiveparse.errors import printable
from hiveparse.rds.findings import FindingSeverity

if TYPE_CHECKING:
    from hiveparse.report.models import OutboundHistory

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
    "error": "bold red",
    "warning": "yellow",
}
MAX_DIAGNOSTICS = 12  # per host; the JSON report has them all


def _or(value: Any, missing: str = "unknown") -> str:
    return missing if value is None or value == "" else str(value)


def _identity(host: dict[str, Any]) -> str:
    identity = host["identity"]
    parts = [_or(identity["product_name"], "Windows product unknown")]
    kind = identity["kind"]
    build = identity["build"]
    detail = ", ".join(
        part
        for part in (kind, f"build {build}" if build is not None else None,
                     identity.get("service_pack"))
        if part
    )  # fmt: skip
    if detail:
        parts[0] += f" ({detail})"
    domain = identity["primary_domain"] or identity["dns_domain"]
    if identity["domain_joined"] is False and domain:
        parts.append(f"workgroup {domain}")
    elif domain:
        parts.append(f"domain {domain}")
    if identity.get("install_date"):
        parts.append(f"installed {identity['install_date']}")
    return "; ".join(parts)


def _mode(mode: dict[str, Any]) -> str:
    effective = str(mode["effective"])
    unknown = mode.get("layers_unknown") or []
    if effective == "unknown":
        known = [layer for layer in ("policy", "local") if layer not in unknown]
        shown = f" (the {known[0]} layer holds no LicensingMode)" if known else ""
        layers = "layers are" if len(unknown) > 1 else "layer is"
        return f"unknown: the {' and '.join(unknown)} {layers} not in the evidence{shown}"
    text = effective
    if mode["code"] is not None:
        text += f" (code {mode['code']}, {mode['layer']} layer)"
    elif effective == "absent":
        text += " (no LicensingMode in either layer)"
    if unknown and mode["layer"] != "policy":
        text += f"; the {' and '.join(unknown)} layer is not in the evidence"
    return text


def _servers(servers: dict[str, Any]) -> str:
    layer = servers["layer"]
    if servers["effective"]:
        return f"{', '.join(servers['effective'])} ({layer} layer)"
    if layer == "unknown":
        return "none seen; the layers that could name them are not all in the evidence"
    return "none (automatic discovery)"


def _grace(grace: dict[str, Any]) -> str:
    if grace["ended"]:
        return "ended: LicensingGracePeriodEnded (the host received a permanent license)"
    if not grace["present"]:
        return "no timebomb in the evidence"
    if grace["expires"] is None:
        return f"timebomb present ({_or(grace['storage'])}); its end is unknown"
    source = {
        "decrypted": "decrypted",
        "lsa_secret": "decrypted LSA secret",
        "estimated": "estimated: key write + 120 days",
    }.get(grace["expires_source"], _or(grace["expires_source"]))
    if grace.get("days_past") is not None:
        return f"ended {grace['expires']} ({source}), {grace['days_past']} day(s) before as-of"
    return f"ends {grace['expires']} ({source}), {grace['days_left']} day(s) left"


def _decryption(grace: dict[str, Any]) -> str | None:
    decryption = grace.get("decryption")
    if not decryption:
        return None
    status = decryption["status"]
    if status in ("decrypted", "lsa_secret"):
        via = decryption.get("master_key_file") or decryption.get("security_hive")
        return f"{status} with {via}" if via else status
    if status == "missing_keys":
        return "not decrypted, missing: " + "; ".join(decryption["missing"])
    return f"failed: {_or(decryption.get('error'))}"


def _role(role: dict[str, Any]) -> str:
    answer = {True: "yes", False: "no", None: "cannot be told"}[role["session_host"]]
    return f"{answer} ({role['status']}: {role['reason']})"


def _outbound(history: OutboundHistory) -> str:
    """One user hive's outbound RDP: the servers, latest first, with the account typed."""
    hints = {entry["server"].upper(): entry["username_hint"] for entry in history["servers"]}
    names = [entry["server"] for entry in history["recent"] if entry["server"]]
    names += [entry["server"] for entry in history["servers"]]
    shown = [
        f"{name} (as {hints[name.upper()]})" if hints.get(name.upper()) else name
        for name in dict.fromkeys(names)
    ]
    return f"{history['user'] or history['source']}: {', '.join(shown)}"


def _rdp(rdp: dict[str, Any]) -> str:
    if rdp["enabled"] is None:
        return "unknown (fDenyTSConnections is not in the evidence)"
    state = "enabled" if rdp["enabled"] else "disabled"
    nla = {True: "NLA required", False: "NLA NOT required", None: "NLA unknown"}[rdp["nla"]]
    return f"{state}, port {_or(rdp['port'])}, {nla}, security layer {_or(rdp['security_layer'])}"


def _diagnostic(record: dict[str, Any]) -> str:
    where = [_or(record["source"], "")]
    if record["line"] is not None:
        column = record["column"]
        where.append(f"{record['line']}:{column}" if column is not None else str(record["line"]))
    if record["offset"] is not None:
        where.append(f"offset 0x{record['offset']:x}")
    place = ": ".join(part for part in where if part)
    return f"{place}: {record['message']} [{record['code']}]" if place else record["message"]


def write_summary(
    documents: list[dict[str, Any]], sink: TextIO, *, width: int | None = None
) -> None:
    """Each host in full. ``width``: the terminal's, when ``sink`` is a file that is to be
    shown on it later (else rich measures ``sink``)."""
    from rich.console import Console  # noqa: PLC0415 - only tables need rich
    from rich.markup import escape as markup_escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    # emoji=False: a name such as ":fire:" from the evidence is shown as it is written.
    console = Console(file=sink, highlight=False, soft_wrap=False, emoji=False, width=width)

    def escape(text: str) -> str:  # evidence names may hold ESC or newlines
        return markup_escape(printable(text))

    for document in documents:
        host = document["host"]
        licensing = document["licensing"]
        case = f"case {host['case']}, " if host.get("case") not in (None, "") else ""
        console.rule(
            f"[bold]{escape(host['label'])}[/bold]  ({escape(case)}as of {document['as_of']})"
        )
        if not document["evidence"] and document.get("unreadable"):
            for item in document["unreadable"]:
                console.print(f"  nothing could be read: {printable(item['error'])}", markup=False)
            continue
        console.print(f"  {printable(_identity(host))}", markup=False)
        roles = [e.get("role") or "" for e in document["evidence"]]
        if roles and all("change script" in role for role in roles):
            console.print(
                "  The inputs are change scripts: the state below is what importing them "
                "would write, as far as they show it, not what the host holds.",
                markup=False,
            )
        for evidence in document["evidence"]:
            role = evidence.get("role") or f"{evidence['format']} {_or(evidence['hive'], '')}"
            console.print(
                printable(f"  {evidence['path']}  {role}  sha256 {evidence['sha256'][:16]}…"),
                markup=False,
            )
        for extra in document.get("supporting_files", []):
            digest = (extra["sha256"] or "unreadable")[:16]
            console.print(
                printable(f"  {extra['path']}  {extra['role']}  sha256 {digest}…"), markup=False
            )
        events = document.get("events") or {}
        for source in events.get("sources", []):
            console.print(printable(_event_source(source)), markup=False)
        facts = Table(show_header=False, box=None, pad_edge=False)
        facts.add_column(no_wrap=True)
        facts.add_column(overflow="fold")  # a long path folds instead of being cut off
        facts.add_row("session host", escape(_role(licensing["role"])))
        facts.add_row("licensing mode", escape(_mode(licensing["mode"])))
        facts.add_row("license servers", escape(_servers(licensing["license_servers"])))
        grace = licensing["grace_period"]
        facts.add_row("grace period", escape(_grace(grace)))
        decryption = _decryption(grace)
        if decryption is not None:
            facts.add_row("decryption", escape(decryption))
        client = licensing["client"]
        if client.get("hwid") or client.get("licenses"):
            facts.add_row(
                "client store",
                escape(f"HWID {_or(client.get('hwid'), 'none')}, "
                       f"{len(client.get('licenses', []))} license(s)"),
            )  # fmt: skip
        facts.add_row("RDP", escape(_rdp(document["rdp"])))
        for history in document["rdp"].get("outbound", []):
            facts.add_row("RDP client", escape(_outbound(history)))
        if events:
            facts.add_row("events", escape(_event_counts(events)))
        console.print(facts)
        _changes(console, document, escape)
        _findings(console, document, escape, Table)
        _unjudged(console, document, escape)
        _problems(console, document, escape)


def _event_source(source: dict[str, Any]) -> str:
    taken = source["records_for_host"]
    records = f"{source['records_read']} records" + (
        f" ({taken} of this host)" if taken != source["records_read"] else ""
    )
    skipped = f", {source['records_skipped']} skipped" if source["records_skipped"] else ""
    dirty = ", dirty" if source["dirty"] else ""
    return (
        f"  {source['path']}  event log {_or(source['channel'], '?')}, {records}{skipped}"
        f"{dirty}  sha256 {source['sha256'][:16]}…"
    )


def _event_counts(events: dict[str, Any]) -> str:
    """Each event of interest with its count and last time, licensing first."""
    counts = sorted(events["counts"], key=lambda c: (c["kind"] != "licensing", c["event_id"]))
    if not counts:
        return "no event of interest in the logs read"
    return "; ".join(
        f"{_short(c['provider'])} {c['event_id']} ×{c['count']} (last {c['last']})" for c in counts
    )


def _short(provider: str) -> str:
    """A provider's name without the prefix every Windows provider shares."""
    return provider.removeprefix("Microsoft-Windows-").removeprefix("TerminalServices-")


def _changes(console: Any, document: dict[str, Any], escape: Any) -> None:
    """For a change script: what importing it would do at the licensing locations."""
    # A change script's own operations, or those of a hive converted from one.
    scripts = {e["path"] for e in document["evidence"] if "change script" in (e.get("role") or "")}
    changes = [c for c in document.get("changes", []) if c["source"] in scripts]
    if not changes:
        return
    console.print("\n[bold]what the change script does[/bold] (if imported):")
    for change in changes:
        where = f"line {change['line']}: " if change["line"] is not None else ""
        if change["action"] == "set":
            what = f"sets {change['value_name']} = {change['data']} ({change['meaning']})"
        else:
            what = change["meaning"]
        console.print(f"  {escape(Path(change['script']).name)} {escape(where + what)}")


def _findings(console: Any, document: dict[str, Any], escape: Any, table: Any) -> None:
    findings = table(title="findings", show_lines=False, expand=False)
    for column in ("severity", "id", "title", "confidence"):
        findings.add_column(column)
    for finding in document["findings"]:
        findings.add_row(
            f"[{_STYLE.get(finding['severity'], '')}]{finding['severity']}[/]",
            escape(finding["id"]),
            escape(finding["title"]),
            finding["confidence"],
        )
    if document["findings"]:
        console.print(findings)
    else:
        console.print("  no findings")
    shown: dict[str, str] = {}  # remediation text -> the finding that printed it
    for finding in document["findings"]:
        if finding["severity"] not in ("critical", "high", "medium"):
            continue
        console.print(f"\n[bold]{escape(finding['id'])}[/bold]: {escape(finding['detail'])}")
        first = shown.get(finding["remediation"])
        if first is None:
            shown[finding["remediation"]] = finding["id"]
            console.print(f"  [green]fix:[/green] {escape(finding['remediation'])}")
        else:
            console.print(f"  [green]fix:[/green] as for {escape(first)} above")


def _unjudged(console: Any, document: dict[str, Any], escape: Any) -> None:
    if document.get("not_judged"):
        console.print("\n[bold]not judged[/bold] (the evidence does not cover a premise):")
        for item in document["not_judged"]:
            console.print(
                f"  {escape(', '.join(item['findings']))}: needs {escape(item['premise'])}; "
                f"{escape(item['reason'])}. Settle with {escape(item['settle_with'])}."
            )
    inapplicable = document.get("not_applicable") or []
    if inapplicable:
        reasons: dict[str, list[str]] = {}
        for item in inapplicable:
            reasons.setdefault(item["reason"], []).extend(item["findings"])
        console.print("\n[bold]not applicable[/bold]:")
        for reason, ids in reasons.items():
            console.print(f"  {escape(', '.join(ids))}: {escape(reason)}")


def _problems(console: Any, document: dict[str, Any], escape: Any) -> None:
    problems = [d for d in document["diagnostics"] if d["severity"] != "info"]
    if problems:
        console.print("\n[bold]diagnostics[/bold]:")
        for record in problems[:MAX_DIAGNOSTICS]:
            style = _STYLE.get(record["severity"], "")
            console.print(f"  [{style}]{record['severity']}[/] {escape(_diagnostic(record))}")
        if len(problems) > MAX_DIAGNOSTICS:
            console.print(f"  ... and {len(problems) - MAX_DIAGNOSTICS} more (see the JSON report)")
    if document["partial"]:
        unreadable = document.get("unreadable") or []
        what = "; ".join(f"{u['path']}: {u['error']}" for u in unreadable) or (
            "see the diagnostics above"
        )
        console.print(f"[red]partial: some evidence could not be read ({escape(what)})[/red]")


def host_row(document: dict[str, Any]) -> tuple[str, ...]:
    """One host in one line of the hosts table: case, host, mode, license servers, grace
    period, and its worst finding (with how many findings it has)."""
    host = document["host"]
    licensing = document["licensing"]
    findings = document["findings"]
    worst = min(findings, key=lambda f: FindingSeverity(f["severity"]).rank, default=None)
    if worst is None:
        verdict = "none" if document["evidence"] else "nothing judged"
    else:
        more = f" (+{len(findings) - 1})" if len(findings) > 1 else ""
        verdict = f"{worst['severity']} {worst['id']}{more}"
    if document["partial"]:
        verdict += "; PARTIAL"
    if not document["evidence"]:
        return (_or(host.get("case"), ""), host["label"], "-", "-", "-", verdict)
    servers = licensing["license_servers"]
    grace = licensing["grace_period"]
    if grace["ended"]:
        grace_text = "ended (licensed)"
    elif not grace["present"]:
        grace_text = "no timebomb"
    elif grace["expires"] is None:
        grace_text = "end unknown"
    elif grace.get("days_past") is not None:
        grace_text = f"ended {grace['expires'][:10]}"
    else:
        grace_text = f"{grace['days_left']} day(s) left"
    return (
        _or(host.get("case"), ""),
        host["label"],
        str(licensing["mode"]["effective"]),
        ", ".join(servers["effective"]) or ("unknown" if servers["layer"] == "unknown" else "none"),
        grace_text,
        verdict,
    )


HOST_COLUMNS = ("case", "host", "mode", "license servers", "grace period", "worst finding")


def write_hosts_table(rows: list[tuple[str, ...]], sink: TextIO, *, width: int | None) -> None:
    """The hosts of a run, one line each (:func:`host_row`), in the order of the cases."""
    from rich.console import Console  # noqa: PLC0415 - only tables need rich
    from rich.markup import escape as markup_escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console(file=sink, highlight=False, soft_wrap=False, emoji=False, width=width)
    table = Table(title=f"{len(rows)} hosts", show_lines=False, collapse_padding=True)
    # Every column keeps room to be read: case and host are cut with an ellipsis past their
    # share (the JSON and CSV have them whole), the diagnosis columns fold.
    share = max(10, min(40, (console.width - 66) // 2))  # what case and host may take
    widths = {"case": (8, share), "host": (8, share), "mode": (8, None),
              "license servers": (8, None), "grace period": (9, None),
              "worst finding": (12, None)}  # fmt: skip
    for column in HOST_COLUMNS:
        least, most = widths[column]
        cut = column in ("case", "host")
        table.add_column(
            column,
            min_width=least,
            max_width=most,
            no_wrap=cut,
            overflow="ellipsis" if cut else "fold",
        )
    for row in rows:
        severity = row[-1].split(" ", 1)[0]
        style = _STYLE.get(severity, "")
        cells = [markup_escape(printable(cell)) for cell in row]
        cells[-1] = f"[{style}]{cells[-1]}[/]" if style else cells[-1]
        table.add_row(*cells)
    console.print(table)
