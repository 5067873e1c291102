"""The text of `hiveparse timebomb`: each timebomb's header and end, each ControlSet
without one, what the evidence would need."""

from __future__ import annotations

from typing import Any, TextIO

from hiveparse.errors import printable


def write_timebombs_text(
    found: list[dict[str, Any]], without: list[dict[str, Any]], missing: list[str], out: TextIO
) -> None:
    if not found:
        out.write("no timebomb value found\n")
    for what in missing:
        out.write(f"  missing        {what}\n")
    for item in found:
        where = item["where"]
        label = where.get("key_path", where.get("argument", "?"))
        if where.get("control_set"):
            current = ", current" if where.get("current_control_set") else ""
            label += f" ({where['control_set']}{current})"
        out.write(f"{printable(label)}\n")
        if item["kind"] == "lsa_secret":
            _write_lsa_text(item, out)
            continue
        header = item["header"]
        shaped = "yes" if header["dpapi_shaped"] else "no"
        out.write(f"  DPAPI-shaped   {shaped}   ({header['length']} bytes)\n")
        if header["master_key_guid"]:
            out.write(f"  master key     {header['master_key_guid']}\n")
            out.write(f"  flags          {header['flags']} {' '.join(header['flag_names'])}\n")
            out.write(
                f"  algorithms     {header['crypt_algorithm']} ({header['crypt_key_bits']} bits), "
                f"{header['hash_algorithm']} ({header['hash_bits']} bits)\n"
            )
            out.write(f"  ciphertext     {header['data_length']} bytes\n")
        for problem in header["problems"]:
            out.write(f"  problem        {problem['message']} [{problem['code']}]\n")
        if item["expires"]:
            out.write(f"  expires        {item['expires']} (decrypted)\n")
        else:
            out.write(f"  expires        unknown: {item['expires_note']}\n")
    for place in without:
        current = ", current" if place["current_control_set"] else ""
        out.write(f"{printable(place['key_path'])} ({place['control_set']}{current})\n")
        out.write(f"  no timebomb    {place['state']}\n")


def _write_lsa_text(item: dict[str, Any], out: TextIO) -> None:
    where, decryption = item["where"], item["decryption"]
    out.write(f"  LSA secret     {where['slot']}, written {where['slot_written'] or '?'}\n")
    if decryption["system_hive"]:
        out.write(
            f"  opened with    SYSTEM {printable(decryption['system_hive'])} (boot key "
            f"{decryption['steps']['boot_key_control_set']}), SECURITY "
            f"{printable(decryption['security_hive'])} (LSA {decryption['steps']['lsa_era']})\n"
        )
    if item["expires"]:
        out.write(f"  expires        {item['expires']} (FILETIME {item['filetime']}, UTC)\n")
    else:
        out.write(f"  expires        unknown: {printable(item['expires_note'] or '?')}\n")
