"""The published JSON Schema of one `analyze` host document (schema_version "1").

The fields DESIGN.md fixes are required; everything else is described so that scripts can
rely on types. `hiveparse schema` prints this; the tests validate every report against it.
"""

from __future__ import annotations

import json
from typing import Any

_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_BOOL = {"type": ["boolean", "null"]}
_ISO_Z = {"type": ["string", "null"], "pattern": r"Z$"}
_SEVERITY = {"enum": ["critical", "high", "medium", "low", "info"]}

_FACT_EVIDENCE: dict[str, Any] = {
    "type": "object",
    "required": ["source", "key_path"],
    "properties": {
        "fact": {"type": "string"},
        "indicator": {"type": "string"},
        "source": {"type": "string"},
        "sha256": {"type": "string"},
        "format": {"enum": ["regf", "reg", "memory"]},
        "hive": {"type": "string"},
        "control_set": _NULLABLE_STR,
        "current_control_set": {"type": "boolean"},
        "key_path": {"type": "string"},
        "value_name": _NULLABLE_STR,
        "type": _NULLABLE_STR,
        "raw": _NULLABLE_STR,
        "key_last_write": _ISO_Z,
        "key_last_write_raw": _NULLABLE_INT,
        "cell_offset": _NULLABLE_INT,
        "line": _NULLABLE_INT,
        "deleted": {"type": "boolean"},
        "status": {"enum": ["CONFIRMED", "UNCERTAIN"]},
        "reference": {"type": "string"},
    },
}

_EVIDENCE_LIST = {"type": "array", "items": {"type": "object"}}

# A diagnostic (hiveparse.errors.Diagnostic.to_dict): the top-level diagnostics[] entries, and
# the problems[] of decoded certificates, client licenses and DPAPI headers, whose offset is
# a byte offset in the decoded value's data (codes in hiveparse.errors.DIAGNOSTIC_CODES).
_DIAGNOSTIC: dict[str, Any] = {
    "type": "object",
    "required": ["code", "severity", "message", "source", "offset", "line", "column"],
    "properties": {
        "code": {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"},
        "severity": {"enum": ["error", "warning", "info"]},
        "message": {"type": "string"},
        "source": _NULLABLE_STR,
        "offset": _NULLABLE_INT,
        "line": _NULLABLE_INT,
        "column": _NULLABLE_INT,
    },
}
_PROBLEMS: dict[str, Any] = {"type": "array", "items": _DIAGNOSTIC}

_CERT_SUMMARY: dict[str, Any] = {
    "type": ["object", "null"],
    "required": ["index", "subject", "issuer", "not_before", "not_after", "thumbprint_sha1"],
    "properties": {
        "index": {"type": "integer"},
        "subject": _NULLABLE_STR,
        "issuer": _NULLABLE_STR,
        "serial": _NULLABLE_STR,
        "not_before": _ISO_Z,
        "not_after": _ISO_Z,
        "thumbprint_sha1": _NULLABLE_STR,
        "self_signed": _NULLABLE_BOOL,
    },
}

_ISSUANCE: dict[str, Any] = {
    "type": ["object", "null"],
    "required": ["kind", "status"],
    "properties": {
        "kind": {"enum": ["self_signed_license_server", "clearinghouse_chain", "unknown"]},
        "basis": {"type": "string"},
        "status": {"const": "UNCERTAIN"},
        "source": {"type": "string"},
    },
}

# licensing.role.session_host_certificates (hiveparse.rds.server_certificate)
_SESSION_HOST_CERTIFICATES: dict[str, Any] = {
    "type": ["object", "null"],
    "required": ["present", "x509", "proprietary", "values"],
    "properties": {
        "present": {"type": "array", "items": {"type": "string"}},
        "x509": {
            "type": ["object", "null"],
            "required": ["value_name", "format", "server", "license_server", "roles_status"],
            "properties": {
                "value_name": {"type": "string"},
                "key_path": {"type": "string"},
                "format": _NULLABLE_STR,
                "certificates": {"type": "integer"},
                "server": _CERT_SUMMARY,
                "server_expired": _NULLABLE_BOOL,
                "license_server": _CERT_SUMMARY,
                "roles_status": {"const": "UNCERTAIN"},
                "issuance": _ISSUANCE,
            },
        },
        "proprietary": {
            "type": ["object", "null"],
            "required": ["value_name", "key_bits", "public_exponent", "modulus_sha1"],
            "properties": {
                "value_name": {"type": "string"},
                "key_path": {"type": "string"},
                "key_bits": _NULLABLE_INT,
                "public_exponent": _NULLABLE_INT,
                "modulus_sha1": _NULLABLE_STR,
            },
        },
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fact", "value_name", "key_path", "size", "format", "problems"],
                "properties": {
                    "fact": {"type": "string"},
                    "value_name": {"type": "string"},
                    "key_path": {"type": "string"},
                    "location_status": {"enum": ["CONFIRMED", "UNCERTAIN"]},
                    "type": {"type": "string"},
                    "size": {"type": "integer", "minimum": 0},
                    "format": {
                        "enum": [
                            "rdp_proprietary",
                            "rdp_server_certificate",
                            "rdp_x509_chain",
                            "pkcs7",
                            "der",
                            "mixed",
                            "opaque",
                            None,
                        ]
                    },
                    "hex": {"type": "string"},
                    "matches": {"type": "array", "items": {"type": "string"}},
                    "cert_chain_version": _NULLABLE_INT,
                    "temporary": _NULLABLE_BOOL,
                    "padding": _NULLABLE_INT,
                    "proprietary": {"type": ["object", "null"]},
                    "certificates": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "index",
                                "subject",
                                "issuer",
                                "serial",
                                "not_before",
                                "not_after",
                                "thumbprint_sha1",
                                "self_signed",
                                "problems",
                            ],
                            "properties": {
                                **_CERT_SUMMARY["properties"],
                                "self_issued": _NULLABLE_BOOL,
                                "microsoft_extensions": {"type": "object"},
                                "problems": _PROBLEMS,
                            },
                        },
                    },
                    "roles": {
                        "type": ["object", "null"],
                        "required": ["server_index", "license_server_index", "rule", "status"],
                        "properties": {
                            "server_index": _NULLABLE_INT,
                            "license_server_index": _NULLABLE_INT,
                            "rule": {"enum": ["position", "issuer_links"]},
                            "status": {"const": "UNCERTAIN"},
                            "source": {"type": "string"},
                        },
                    },
                    "server": _CERT_SUMMARY,
                    "license_server": _CERT_SUMMARY,
                    "links": {"type": "array", "items": {"type": "object"}},
                    "issuance": _ISSUANCE,
                    "problems": _PROBLEMS,
                    "evidence": {"type": "array", "items": _FACT_EVIDENCE},
                },
            },
        },
    },
}

# How the offline DPAPI chain went (hiveparse.rds.grace_decrypt): never a key or secret.
_DECRYPTION: dict[str, Any] = {
    "type": ["object", "null"],
    "required": ["status", "expires", "missing", "error"],
    "properties": {
        "status": {"enum": ["decrypted", "lsa_secret", "missing_keys", "failed"]},
        "expires": _ISO_Z,
        "filetime": _NULLABLE_INT,
        "master_key_guid": _NULLABLE_STR,
        "master_key_file": _NULLABLE_STR,
        "security_hive": _NULLABLE_STR,
        "steps": {"type": "object"},
        "missing": {"type": "array", "items": {"type": "string"}},
        "error": _NULLABLE_STR,
    },
}

_LAYERS = {"type": "array", "items": {"enum": ["policy", "local"]}}

# host.identity (hiveparse.rds.identity): who the host is, as its evidence states it.
_IDENTITY: dict[str, Any] = {
    "type": "object",
    "required": ["computer_name", "product_name", "kind", "build", "era", "domain_joined"],
    "properties": {
        "computer_name": _NULLABLE_STR,
        "product_name": _NULLABLE_STR,
        "edition_id": _NULLABLE_STR,
        "installation_type": _NULLABLE_STR,
        "product_type": _NULLABLE_STR,
        "kind": {"enum": ["workstation", "server", "domain controller", None]},
        "kind_basis": _NULLABLE_STR,
        "version": _NULLABLE_STR,
        "build": _NULLABLE_INT,
        "display_version": _NULLABLE_STR,
        "service_pack": _NULLABLE_STR,
        "install_date": _ISO_Z,
        "install_date_raw": _NULLABLE_INT,
        "dns_domain": _NULLABLE_STR,
        "primary_domain": _NULLABLE_STR,
        "domain_sid": _NULLABLE_STR,
        "domain_joined": _NULLABLE_BOOL,
        "era": {"enum": ["nt5", "nt6", None]},
        "era_meaning": _NULLABLE_STR,
        "era_basis": _NULLABLE_STR,
        "era_status": {"enum": ["CONFIRMED", "UNCERTAIN"]},
        "problems": {"type": "array", "items": {"type": "string"}},
        "evidence": {"type": "array", "items": _FACT_EVIDENCE},
    },
}

# coverage[] (hiveparse.evidence.coverage): where an absence in the evidence is evidence of absence.
_COVERAGE: dict[str, Any] = {
    "type": "object",
    "required": ["hive", "source", "kind", "roots"],
    "properties": {
        "hive": {"type": "string"},
        "source": _NULLABLE_STR,
        "mount": _NULLABLE_STR,
        "kind": {
            "enum": [
                "hive",
                "damaged_hive",
                "converted_hive",
                "reg_export",
                "change_script",
                "missing",
            ]
        },
        "control_set": _NULLABLE_STR,
        "roots": {
            "description": "null: the whole hive; else the exported subtrees (covers: whether "
            "an absence below the root counts)",
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["path", "covers"],
                "properties": {
                    "path": {"type": "string"},
                    "line": _NULLABLE_INT,
                    "covers": {"type": "boolean"},
                    "subtree": {"type": "boolean"},
                    "reason": {"type": "string"},
                },
            },
        },
        "reason": _NULLABLE_STR,
    },
}

_NOT_JUDGED: dict[str, Any] = {
    "type": "object",
    "required": ["rule", "findings", "fact", "premise", "reason", "settle_with"],
    "properties": {
        "rule": {"type": "string"},
        "findings": {"type": "array", "items": {"type": "string"}},
        "fact": {"type": "string"},
        "premise": {"type": "string"},
        "reason": {"type": "string"},
        "settle_with": {"type": "string"},
    },
}

_NOT_APPLICABLE: dict[str, Any] = {
    "type": "object",
    "required": ["rule", "findings", "premise", "reason"],
    "properties": {
        "rule": {"type": "string"},
        "findings": {"type": "array", "items": {"type": "string"}},
        "premise": {"type": "string"},
        "reason": {"type": "string"},
    },
}

_TOOL: dict[str, Any] = {
    "type": "object",
    "required": ["name", "version"],
    "properties": {"name": {"const": "hiveparse"}, "version": {"type": "string"}},
}

# What every command's JSON document shares (report.records.envelope): analyze's host
# documents, info, query, recover, verify, secrets, convert and timebomb.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://hiveparse.invalid/schema/envelope-1.json",
    "title": "the fields every hiveparse JSON document shares",
    "type": "object",
    "required": ["schema_version", "tool", "evidence", "partial", "diagnostics"],
    "properties": {
        "schema_version": {"const": "1"},
        "tool": _TOOL,
        "evidence": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "sha256", "size", "format"],
                "properties": {
                    "path": {"type": "string"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "size": {"type": "integer", "minimum": 0},
                    "format": {"enum": ["regf", "reg", "memory"]},
                },
            },
        },
        "partial": {"type": "boolean"},
        "diagnostics": {"type": "array", "items": _DIAGNOSTIC},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://hiveparse.invalid/schema/analyze-1.json",
    "title": "hiveparse analyze report (one host)",
    "type": "object",
    "required": [
        "schema_version",
        "tool",
        "as_of",
        "evidence",
        "licensing",
        "rdp",
        "findings",
        "partial",
        "diagnostics",
    ],
    "properties": {
        "schema_version": {"const": "1"},
        "tool": _TOOL,
        "as_of": {"type": "string", "pattern": r"Z$"},
        "host": {
            "type": "object",
            "required": ["label", "case", "grouping", "identity"],
            "properties": {
                "label": {"type": "string"},
                "case": {
                    "description": "the host's folder relative to the EVIDENCE argument it "
                    "was found under ('.' for the argument itself)",
                    "type": "string",
                },
                "argument": _NULLABLE_STR,
                "folder": {"type": "string"},
                "grouping": {"type": "array", "items": {"type": "string"}},
                "identity": _IDENTITY,
            },
        },
        "evidence": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "path",
                    "sha256",
                    "size",
                    "format",
                    "hive",
                    "dirty",
                    "logs_applied",
                    "control_set",
                ],
                "properties": {
                    "path": {"type": "string"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "size": {"type": "integer", "minimum": 0},
                    "format": {"enum": ["regf", "reg"]},
                    "hive": _NULLABLE_STR,
                    "dirty": _NULLABLE_BOOL,
                    "logs_applied": {"type": "array", "items": {"type": "string"}},
                    "control_set": _NULLABLE_STR,
                    "role": _NULLABLE_STR,
                },
            },
        },
        "supporting_files": {
            "description": "files that changed the result without being registry evidence "
            "themselves: transaction logs applied, the master key that opened the timebomb",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "sha256", "role"],
                "properties": {
                    "path": {"type": "string"},
                    "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                    "size": _NULLABLE_INT,
                    "format": {"const": "file"},
                    "role": {"type": "string"},
                    "used_by": _NULLABLE_STR,
                },
            },
        },
        "licensing": {
            "type": "object",
            "required": ["mode", "license_servers", "grace_period", "client"],
            "properties": {
                "mode": {
                    "type": "object",
                    "required": ["effective", "code", "layer", "policy_code", "local_code"],
                    "properties": {
                        "effective": {
                            "enum": [
                                "per_device",
                                "per_user",
                                "not_configured",
                                "aad_per_user",
                                "personal",
                                "remote_admin",
                                "invalid",
                                "absent",
                                "unknown",
                            ]
                        },
                        "code": _NULLABLE_INT,
                        "layer": {"enum": ["policy", "local", None]},
                        "policy_code": _NULLABLE_INT,
                        "local_code": _NULLABLE_INT,
                        "layers_unknown": _LAYERS,
                        "evidence": {"type": "array", "items": _FACT_EVIDENCE},
                    },
                },
                "license_servers": {
                    "type": "object",
                    "required": ["effective", "layer", "policy", "local"],
                    "properties": {
                        "effective": {"type": "array", "items": {"type": "string"}},
                        "layer": {"enum": ["policy", "local", "discovery", "unknown"]},
                        "policy": {"type": ["array", "null"], "items": {"type": "string"}},
                        "local": {"type": ["array", "null"], "items": {"type": "string"}},
                        "layers_unknown": _LAYERS,
                        "anomalies": {"type": "array", "items": {"type": "object"}},
                        "evidence": {"type": "array", "items": _FACT_EVIDENCE},
                    },
                },
                "grace_period": {
                    "type": "object",
                    "required": [
                        "present",
                        "value_name",
                        "key_last_write",
                        "blob",
                        "expires",
                        "expires_source",
                        "days_left",
                        "ended",
                    ],
                    "properties": {
                        "present": {"type": "boolean"},
                        "value_name": _NULLABLE_STR,
                        "storage": {"enum": ["registry", "lsa_secret", None]},
                        "key_last_write": _ISO_Z,
                        "blob": {
                            "type": ["object", "null"],
                            "required": ["dpapi_shaped", "problems"],
                            "properties": {"problems": _PROBLEMS},
                        },
                        "expires": _ISO_Z,
                        "expires_source": {"enum": ["decrypted", "lsa_secret", "estimated", None]},
                        "days_left": _NULLABLE_INT,
                        "days_past": _NULLABLE_INT,
                        "decryption": _DECRYPTION,
                        "ended": {"type": "boolean"},
                        "evidence": {"type": "array", "items": _FACT_EVIDENCE},
                    },
                },
                "role": {
                    "type": "object",
                    "required": ["session_host", "status", "reason"],
                    "properties": {
                        "session_host": _NULLABLE_BOOL,
                        "status": {"enum": ["CONFIRMED", "UNCERTAIN"]},
                        "reason": {"type": "string"},
                        "evidence": {"type": "array", "items": _FACT_EVIDENCE},
                        "session_host_certificates": _SESSION_HOST_CERTIFICATES,
                    },
                },
                "client": {
                    "type": "object",
                    "required": ["hwid", "licenses", "problems"],
                    "properties": {
                        "hwid": _NULLABLE_STR,
                        "problems": _PROBLEMS,
                        "licenses": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["store_key", "temporary", "not_before", "not_after"],
                                "properties": {
                                    "store_key": {"type": "string"},
                                    "temporary": _NULLABLE_BOOL,
                                    "not_before": _ISO_Z,
                                    "not_after": _ISO_Z,
                                    "issuer": _NULLABLE_STR,
                                    "product_id": _NULLABLE_STR,
                                    "problems": _PROBLEMS,
                                },
                            },
                        },
                    },
                },
            },
        },
        "rdp": {
            "type": "object",
            "required": ["enabled", "port", "nla", "security_layer"],
            "properties": {
                "enabled": _NULLABLE_BOOL,
                "port": _NULLABLE_INT,
                "nla": _NULLABLE_BOOL,
                "security_layer": {"enum": ["rdp", "negotiate", "tls", "invalid", None]},
                "layers": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["value", "layer", "policy", "local", "policy_unknown"],
                        "properties": {
                            "value": _NULLABLE_INT,
                            "layer": {"enum": ["policy", "local", None]},
                            "policy": _NULLABLE_INT,
                            "local": _NULLABLE_INT,
                            "policy_unknown": {"type": "boolean"},
                        },
                    },
                },
            },
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "severity",
                    "title",
                    "detail",
                    "evidence",
                    "remediation",
                    "confidence",
                ],
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"},
                    "severity": _SEVERITY,
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "evidence": _EVIDENCE_LIST,
                    "remediation": {"type": "string"},
                    "confidence": {"enum": ["high", "medium", "low"]},
                },
            },
        },
        "recovered": {
            "type": "object",
            "required": ["scans", "facts"],
            "properties": {
                "scans": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["source", "deleted_keys", "deleted_values", "partial"],
                        "properties": {
                            "source": {"type": "string"},
                            "hive": {"type": "string"},
                            "deleted_keys": {"type": "integer"},
                            "deleted_values": {"type": "integer"},
                            "scanned_bytes": {"type": "object"},
                            "partial": {"type": "boolean"},
                        },
                    },
                },
                "facts": {"type": "array", "items": _FACT_EVIDENCE},
            },
        },
        "changes": {
            "description": "what the host's .reg inputs do at the licensing locations, with "
            "their lines and meaning (a .reg file is a change script)",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["source", "script", "line", "action", "key_path", "meaning"],
                "properties": {
                    "source": {"type": "string"},
                    "script": {
                        "description": "the .reg file `line` is a line of: the input itself, "
                        "or the .reg file a hive written by hiveparse convert was made from "
                        "(its base name; no line is known for the values such a hive holds)",
                        "type": "string",
                    },
                    "line": _NULLABLE_INT,
                    "action": {"enum": ["set", "delete_key", "delete_value"]},
                    "key_path": {"type": "string"},
                    "value_name": _NULLABLE_STR,
                    "data": _NULLABLE_STR,
                    "control_set": _NULLABLE_STR,
                    "meaning": {"type": "string"},
                    "facts": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "coverage": {"type": "array", "items": _COVERAGE},
        "not_judged": {"type": "array", "items": _NOT_JUDGED},
        "not_applicable": {"type": "array", "items": _NOT_APPLICABLE},
        "partial": {"type": "boolean"},
        "unreadable": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "error", "kind"],
                "properties": {
                    "path": {"type": "string"},
                    "error": {"type": "string"},
                    "kind": {"type": "string"},
                },
            },
        },
        "diagnostics": {"type": "array", "items": _DIAGNOSTIC},
    },
}


def schema_text() -> str:
    return json.dumps(SCHEMA, indent=2) + "\n"
