"""The readable summary of analyze reports, for a terminal (rich)."""

from __future__ import annotations

from typing import Any, TextIO

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def _servers(servers: dict[str, Any]) -> str:
    names = ", ".join(servers["effective"]) or "none (automatic discovery)"
    return f"{names}  [{servers['layer']}]"


def _grace(grace: dict[str, Any]) -> str:
    if grace["ended"]:
        return "ended (a permanent licence was received)"
    if not grace["present"]:
        return "no timebomb"
    if grace["expires"] is None:
        return f"timebomb present ({grace['storage']}); expiry unknown"
    source = grace["expires_source"]
    return f"expires {grace['expires']} ({source}), {grace['days_left']} day(s) left"


def _rdp(rdp: dict[str, Any]) -> str:
    if rdp["enabled"] is None:
        return "unknown"
    state = "enabled" if rdp["enabled"] else "disabled"
    nla = {True: "NLA on", False: "NLA OFF", None: "NLA ?"}[rdp["nla"]]
    return f"{state}, port {rdp['port']}, {nla}, security layer {rdp['security_layer']}"


def write_summary(documents: list[dict[str, Any]], sink: TextIO) -> None:
    from rich.console import Console  # noqa: PLC0415 - only tables need rich
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console(file=sink, highlight=False, soft_wrap=False)
    for document in documents:
        licensing = document["licensing"]
        mode = licensing["mode"]
        console.rule(
            f"[bold]{escape(document['host']['label'])}[/bold]  (as of {document['as_of']})"
        )
        for evidence in document["evidence"]:
            console.print(
                f"  {evidence['path']}  {evidence['format']} {evidence['hive'] or ''}  "
                f"sha256 {evidence['sha256'][:16]}…",
                markup=False,
            )
        facts = Table(show_header=False, box=None, pad_edge=False)
        facts.add_row(
            "licensing mode", escape(f"{mode['effective']} (code {mode['code']}, {mode['layer']})")
        )
        facts.add_row("license servers", escape(_servers(licensing["license_servers"])))
        facts.add_row("grace period", escape(_grace(licensing["grace_period"])))
        client = licensing["client"]
        if client.get("hwid") or client.get("licenses"):
            facts.add_row(
                "client store",
                f"HWID {client.get('hwid')}, {len(client.get('licenses', []))} licence(s)",
            )
        facts.add_row("RDP", escape(_rdp(document["rdp"])))
        console.print(facts)
        findings = Table(title="findings", show_lines=False, expand=False)
        for column in ("severity", "id", "title", "confidence"):
            findings.add_column(column)
        for finding in document["findings"]:
            findings.add_row(
                f"[{_STYLE.get(finding['severity'], '')}]{finding['severity']}[/]",
                escape(finding["id"]),
                escape(finding["title"]),
                finding["confidence"],
            )
        console.print(findings)
        for finding in document["findings"]:
            if finding["severity"] in ("critical", "high", "medium"):
                console.print(
                    f"\n[bold]{escape(finding['id'])}[/bold]: {escape(finding['detail'])}"
                )
                console.print(f"  [green]fix:[/green] {escape(finding['remediation'])}")
        if document["partial"]:
            console.print("[red]partial: some evidence could not be read (see diagnostics)[/red]")
