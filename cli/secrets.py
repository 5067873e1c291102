"""`hiveparse secrets`: the LSA secrets of a SYSTEM + SECURITY pair, names only by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hiveparse.errors import printable

from .errors import EXIT_OK, EXIT_PARTIAL, say, say_problems
from .options import Format, FormatOpt, OutputOpt, chosen_format
from .output import TableLines, open_output


def secrets(
    evidence: Annotated[
        list[Path],
        typer.Argument(
            help="The SYSTEM and SECURITY hives, or a folder holding them.", readable=False
        ),
    ],
    reveal_secrets: Annotated[
        bool,
        typer.Option(
            "--reveal-secrets",
            help="Also print each secret's decrypted bytes (hex). Without it no secret, key "
            "or plaintext is written anywhere.",
        ),
    ] = False,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """LSA secrets (DPAPI_SYSTEM, L$RTMTIMEBOMB_..., ...): name, CurrVal/OldVal, sizes and
    update times; decrypted with the boot key and the LSA key found in the hives."""
    from hiveparse.errors import EvidenceError, UsageError  # noqa: PLC0415 - fast --help
    from hiveparse.rds.lsa_secrets import host_secrets  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    with open_output(output, evidence) as sink:
        hosts, evidence_items, unreadable = host_secrets(evidence, reveal=reveal_secrets)
        if not hosts:
            problems = "; ".join(f"{item['path']}: {item['error']}" for item in unreadable[:3])
            message = "no host with both a SYSTEM and a SECURITY hive among the evidence"
            if problems:  # what was given could not be read: the evidence's problem
                raise EvidenceError(f"{message} ({problems})")
            raise UsageError(message)
        diagnostics = [d for item in evidence_items for d in item.all_diagnostics]
        partial = (
            bool(unreadable)
            or records.is_partial(diagnostics)
            or any(host["error"] or any(s["error"] for s in host["secrets"]) for host in hosts)
        )
        document = records.envelope(
            evidence_items,
            {"revealed": reveal_secrets, "hosts": hosts, "unreadable": unreadable},
            partial=partial,
            diagnostics=diagnostics,
        )
        if fmt == Format.TABLE:
            _write_table(hosts, TableLines(sink))
        elif fmt == Format.JSONL:
            from hiveparse.report.render import write_jsonl  # noqa: PLC0415

            write_jsonl([{"host": h["host"], **s} for h in hosts for s in h["secrets"]], sink)
        else:
            from hiveparse.report.render import write_json  # noqa: PLC0415

            write_json(document, sink)
    if fmt != Format.JSON:
        for item in unreadable:
            say("error", f"{item['path']}: {item['error']}")
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if partial else EXIT_OK)


def _write_table(hosts: list[dict[str, Any]], out: TableLines) -> None:
    for host in hosts:
        lsa = host["lsa"]
        out.write(f"{host['host']}  ({host['system']} + {host['security']})\n")
        if host["error"]:
            out.write(f"    cannot open the LSA: {host['error']}\n")
            continue
        out.write(
            f"    LSA key: {lsa['era']} ({lsa['source']}), boot key from "
            f"{lsa['boot_key_control_set']}\n"
        )
        for secret in host["secrets"]:
            size = secret["length"] if secret["length"] is not None else "?"
            line = f"    {printable(secret['name'])}  {secret['slot']}  {size} bytes"
            if secret["updated"]:
                line += f"  updated {secret['updated']}"
            if secret["error"]:
                line += f"  ({printable(secret['error'])})"
            if "value" in secret:
                line += f"  {secret['value']}"
            out.write(line + "\n")
