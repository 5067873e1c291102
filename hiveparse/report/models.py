"""The report model: every JSON document the commands write, declared once as types.

Each record is a :class:`~typing.TypedDict`: the functions that build records are annotated
with these types (mypy holds each record to its declaration), and the published JSON Schema
is generated from them (:mod:`hiveparse.report.schema`, ``hiveparse schema``). A field that
a record may leave out is ``NotRequired``; a field that is always there but may be unknown is
``X | None``. Where a part of a record is a decoder's own output whose layout follows the
evidence (a certificate's extensions, a DPAPI blob's fields), it is typed ``dict[str, Any]``
and described in the field's docstring.

Every document starts with the fields of :class:`Envelope` and ends with ``partial`` and
``diagnostics`` (``records.envelope`` builds them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from msgspec import Meta

# -- shared scalars ------------------------------------------------------------------------

IsoTime = Annotated[str, Meta(pattern=r"Z$", description="ISO-8601 UTC, 'Z' suffix")]
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")]
DottedCode = Annotated[str, Meta(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")]
Status = Literal["CONFIRMED", "UNCERTAIN"]
Format = Literal["regf", "reg", "memory"]
Layer = Literal["policy", "local"]


class Tool(TypedDict):
    name: Literal["hiveparse"]
    version: str


class DiagnosticRecord(TypedDict):
    """Something the reader or analyzer noticed (hiveparse.errors.Diagnostic)."""

    code: DottedCode
    severity: Literal["error", "warning", "info"]
    message: str
    source: str | None
    offset: int | None
    line: int | None
    column: int | None


class Mount(TypedDict):
    mount: str
    hive: str
    deletes_only: bool


class ImageFile(TypedDict):
    """One file of a disk image (a segment, an extent, a part)."""

    path: str
    sha256: Sha256 | None  # None with --no-image-hash
    size: Annotated[int, Meta(ge=0)]


class ImagePartition(TypedDict):
    index: Annotated[int, Meta(ge=0)]  # 0: an image of one volume, without a table
    scheme: Literal["mbr", "gpt", "none"]
    offset: Annotated[int, Meta(ge=0)]  # bytes from the start of the disk
    size: Annotated[int, Meta(ge=0)]
    type: str  # "0x07" (MBR) or the type GUID (GPT)
    type_name: str
    name: str  # the GPT partition name


class Container(TypedDict):
    """The ZIP collection or disk image a file was read from (analyze), its path shown as
    ``ARCHIVE!/member`` or ``IMAGE!/pN/path/in/volume``. The fields after ``member_size``
    are a disk image's."""

    format: Literal["zip", "ewf", "vhd", "vhdx", "vmdk", "raw"]
    path: str  # the archive or image as named (an image's first segment, its descriptor)
    sha256: Sha256 | None  # of that file; None for an image read with --no-image-hash
    member: str  # the member's name in the archive; the path inside the volume, '/'-separated
    member_sha256: Sha256
    member_size: Annotated[int, Meta(ge=0)]
    image_files: NotRequired[list[ImageFile]]
    media_size: NotRequired[Annotated[int, Meta(ge=0)]]  # bytes of the virtual disk
    stored_hashes: NotRequired[dict[str, str]]  # EWF: the md5 / sha1 recorded at acquisition
    verified: NotRequired[dict[str, bool]]  # --verify-image: each stored hash matches
    partition_table: NotRequired[Literal["mbr", "gpt", "none", "unknown"]]
    partition: NotRequired[ImagePartition]
    file_system: NotRequired[Literal["NTFS"]]
    mft_entry: NotRequired[int | None]
    mft_sequence: NotRequired[int | None]
    member_complete: NotRequired[bool]  # False: the image ends inside it, the start is read
    times: NotRequired[dict[str, IsoTime]]  # $STANDARD_INFORMATION times


class EvidenceRecord(TypedDict):
    """One input file: what it is, its hash, and how it was read."""

    path: str
    sha256: Sha256
    size: Annotated[int, Meta(ge=0)]
    format: Format
    hive: str | None
    mounts: list[Mount]
    dirty: bool | None
    logs_applied: list[str]
    engine: str | None
    reg_header: str | None
    encoding: str | None
    control_set: NotRequired[str | None]  # analyze: the control set its facts were read from
    role: NotRequired[str | None]  # analyze: what the input is for this host
    side: NotRequired[Literal["a", "b"]]  # diff: the side it belongs to
    container: NotRequired[Container]  # analyze: the archive or image it was read from


class Envelope(TypedDict):
    """The fields every command's JSON document shares (``records.envelope``)."""

    schema_version: Literal["1"]
    tool: Tool
    evidence: list[EvidenceRecord]
    partial: bool
    diagnostics: list[DiagnosticRecord]


class SupportingFile(TypedDict):
    """A file that changed the result without being registry evidence itself: a transaction
    log applied, the master key that opened the timebomb."""

    path: str
    sha256: Sha256 | None
    size: NotRequired[int | None]
    format: NotRequired[Literal["file"]]
    role: str
    used_by: NotRequired[str | None]
    container: NotRequired[Container]  # the archive or image it was read from


# -- query ---------------------------------------------------------------------------------


class Provenance(TypedDict):
    """Where a key came from (a value states only ``cell_offset``, ``line`` and
    ``deleted`` when the rest is its key's)."""

    source: NotRequired[str]
    format: NotRequired[Format]
    engine: NotRequired[str]
    hive: NotRequired[str | None]
    cell_offset: int | None
    line: int | None
    deleted: bool


class ValueRecord(TypedDict):
    name: str
    type: str
    type_id: int
    size: int
    raw: str
    decoded: Any  # str, list of str, int, or the hex of what does not fit its type
    problems: list[str]
    provenance: Provenance


class AceRecord(TypedDict):
    type: str
    flags: list[str]
    mask: str
    rights: list[str]
    sid: str | None
    name: str | None


class SecurityRecord(TypedDict):
    owner: NotRequired[str | None]
    owner_name: NotRequired[str | None]
    group: NotRequired[str | None]
    group_name: NotRequired[str | None]
    dacl: NotRequired[list[AceRecord] | None]
    sddl: NotRequired[str]
    raw: str
    error: NotRequired[str]


class KeyRecord(TypedDict):
    path: str
    name: str
    class_name: str | None
    last_written: IsoTime | None
    last_written_raw: int | None
    subkeys: list[str]
    provenance: Provenance
    control_set: NotRequired[str]
    values: NotRequired[list[ValueRecord]]
    security: NotRequired[SecurityRecord | None]


class QueryDocument(Envelope):
    keys: list[KeyRecord]


# -- info ----------------------------------------------------------------------------------


class HeaderRecord(TypedDict):
    primary_sequence: int
    secondary_sequence: int
    sequences_match: bool
    last_written: IsoTime | None
    last_written_raw: int
    version: str
    file_type: int
    file_format: int
    root_cell_offset: int
    hive_bins_data_size: int
    clustering_factor: int
    embedded_file_name: str
    checksum_stored: str
    checksum_computed: str
    checksum_ok: bool
    flags: int


class HiveCount(TypedDict):
    mount: str
    hive: str
    root_name: NotRequired[str]
    keys: int | None  # None with --quick (not walked)
    values: int | None


class RefusedLog(TypedDict):
    path: str
    reason: str


class InfoBody(TypedDict):
    """What ``info`` says of one input, beside the envelope (report.evidence_summary)."""

    written_by: dict[str, Any] | None  # hiveparse convert's origin marker, when it wrote the hive
    hives: list[HiveCount]
    header: NotRequired[HeaderRecord]
    header_after_replay: NotRequired[HeaderRecord]
    hive_bins: NotRequired[dict[str, int]]
    dirty: NotRequired[bool | None]
    logs_found: NotRequired[list[str]]
    logs_refused: NotRequired[list[RefusedLog]]
    logs_applied: NotRequired[list[str]]
    # A disk image (report.image_summary): the image, its volumes, what was read from them.
    image: NotRequired[dict[str, Any]]
    volumes: NotRequired[list[dict[str, Any]]]
    installs: NotRequired[list[str]]
    encrypted: NotRequired[list[dict[str, Any]]]
    files: NotRequired[list[dict[str, Any]]]


class InfoDocument(Envelope, InfoBody):
    pass


# -- recover -------------------------------------------------------------------------------


class RecoveredValue(TypedDict):
    name: str
    type: str
    type_id: int
    size: int
    data_state: str
    raw: str | None
    decoded: Any
    problems: list[str]
    deleted: bool
    location: str
    cell_offset: int
    file_offset: int
    key_cell_offset: int | None
    key_path: str | None
    link: str | None


class RecoveredKey(TypedDict):
    path: str
    name: str
    path_complete: bool
    deleted: bool
    live_twin: bool
    class_name: str | None
    last_written: IsoTime | None
    last_written_raw: int
    number_of_subkeys: int
    number_of_values: int
    location: str
    cell_offset: int
    file_offset: int
    parent_cell_offset: int
    values: list[RecoveredValue]


class ScannedBytes(TypedDict):
    free: int
    slack: int
    remnant: int


class RecoverDocument(Envelope):
    key: str | None
    keys: list[RecoveredKey]
    values_of_live_keys: list[RecoveredValue]
    values_without_key: list[RecoveredValue]
    values_without_key_count: int
    scanned_bytes: ScannedBytes


# -- verify --------------------------------------------------------------------------------


class DisagreementRecord(TypedDict):
    """One difference between our reader (``a``) and a peer (``b``), as
    hiveparse.engines.verify.Disagreement states it."""

    kind: str  # key_missing, value_missing, name_differs, type_differs, data_differs, ...
    path: str  # the key's path in the hive ("" is the root)
    value_name: str | None  # None: a difference of the key itself; "": the default value
    a: str | None  # what our reader read there (None: nothing)
    b: str | None  # what the peer read there (None: nothing)
    engine_a: str
    engine_b: str


class PeerResult(TypedDict):
    engine: str
    error: str | None
    disagreements: list[DisagreementRecord]


class VerifyDocument(Envelope):
    reference_engine: str
    peers: list[PeerResult]


# -- diff ----------------------------------------------------------------------------------


class SeenAt(TypedDict):
    """Where one side holds a key or value."""

    source: str
    cell_offset: int | None
    line: int | None


class DifferenceRecord(TypedDict):
    """One difference between side A and side B (hiveparse.compare.diff): ``added`` is on
    B only, ``removed`` on A only. For a value, ``a``/``b`` are the decoded data (binary as
    hex) and ``raw_a``/``raw_b`` the stored bytes as hex; for a key, the last-written times
    and their stored FILETIME bytes."""

    change: Literal["added", "removed", "changed"]
    kind: Literal["key", "value"]
    path: str
    name: str | None  # None for a key; "" for a default value
    type_a: str | None
    type_b: str | None
    a: Any
    b: Any
    raw_a: str | None
    raw_b: str | None
    at_a: SeenAt | None
    at_b: SeenAt | None
    # Why the place belongs to one machine (its name, certificates, hardware, secrets): a
    # patch never carries it over. None for an ordinary setting.
    machine_specific: str | None


class SideMount(TypedDict):
    mount: str
    source: str
    kind: str  # what the source covers: hive, reg_export, converted_hive, change_script, ...
    current_control_set: str | None


class SideRecord(TypedDict):
    """One side of a comparison: one machine's evidence."""

    label: Literal["a", "b"]
    host: str
    arguments: list[str]
    partial: bool
    mounts: list[SideMount]


class NotComparedRecord(TypedDict):
    """A place the diff could not judge (a hive one side lacks, a subtree outside what a side
    covers, a control set set aside) with the keys and values left out there."""

    path: str
    reason: str
    keys: int
    values: int


class IgnoredRecord(TypedDict):
    pattern: str
    why: str | None  # the reason of a default pattern; None for one given with --ignore
    matched: int


class DiffSummary(TypedDict):
    differences: int
    added_keys: int
    added_values: int
    removed_keys: int
    removed_values: int
    changed_keys: int
    changed_values: int


class DiffOptionsRecord(TypedDict):
    key: str | None
    control_sets: Literal["current", "all"]
    times: bool
    default_ignores: bool


class DiffDocument(Envelope):
    sides: list[SideRecord]
    options: DiffOptionsRecord
    summary: DiffSummary
    differences: list[DifferenceRecord]
    not_compared: list[NotComparedRecord]
    ignored: list[IgnoredRecord]


# -- secrets -------------------------------------------------------------------------------


class SecretRecord(TypedDict):
    name: str
    slot: str
    stored_length: int | None
    length: int | None
    updated: IsoTime | None
    updated_raw: int | None
    error: str | None
    value: NotRequired[str]  # only with --reveal


class SecretsHost(TypedDict):
    host: str
    system: str
    security: str
    lsa: dict[str, Any] | None  # era, source, boot key control set, policy revision
    secrets: list[SecretRecord]
    error: str | None


class Unreadable(TypedDict):
    path: str
    error: str
    kind: str


class SecretsDocument(Envelope):
    revealed: bool
    hosts: list[SecretsHost]
    unreadable: list[Unreadable]


# -- convert -------------------------------------------------------------------------------


class ConvertedTime(TypedDict):
    time: IsoTime
    raw: int
    origin: str
    synthetic: bool


class ConvertedHive(TypedDict):
    path: str
    sha256: Sha256
    size: int
    format: Literal["regf"]
    mount: str
    hive: str
    root_name: str
    embedded_file_name: str
    last_written: IsoTime
    last_written_raw: int
    keys: int
    values: int
    diagnostics: list[DiagnosticRecord]


class ConvertDocument(Envelope):
    last_written: ConvertedTime
    outputs: list[ConvertedHive]
    not_written: list[str]  # the mounts the .reg file names that were not written (--mount)


# -- analyze -------------------------------------------------------------------------------


class FactEvidence(TypedDict):
    """A registry value or key a fact or finding rests on, with its provenance."""

    fact: NotRequired[str]
    indicator: NotRequired[str]
    source: str
    sha256: NotRequired[str]
    format: NotRequired[Format]
    hive: NotRequired[str]
    control_set: NotRequired[str | None]
    current_control_set: NotRequired[bool]
    key_path: str
    value_name: NotRequired[str | None]
    type: NotRequired[str | None]
    raw: NotRequired[str | None]
    decoded: NotRequired[Any]
    key_last_write: NotRequired[IsoTime | None]
    key_last_write_raw: NotRequired[int | None]
    cell_offset: NotRequired[int | None]
    line: NotRequired[int | None]
    deleted: NotRequired[bool]
    status: NotRequired[Status]
    reference: NotRequired[str]


class Identity(TypedDict):
    """Who the host is, as its evidence states it (hiveparse.rds.identity)."""

    computer_name: str | None
    product_name: str | None
    edition_id: NotRequired[str | None]
    installation_type: NotRequired[str | None]
    product_type: NotRequired[str | None]
    kind: Literal["workstation", "server", "domain controller"] | None
    kind_basis: NotRequired[str | None]
    version: NotRequired[str | None]
    build: int | None
    display_version: NotRequired[str | None]
    service_pack: NotRequired[str | None]
    install_date: NotRequired[IsoTime | None]
    install_date_raw: NotRequired[int | None]
    dns_domain: NotRequired[str | None]
    primary_domain: NotRequired[str | None]
    domain_sid: NotRequired[str | None]
    domain_joined: bool | None
    era: Literal["nt5", "nt6"] | None
    era_meaning: NotRequired[str | None]
    era_basis: NotRequired[str | None]
    era_status: NotRequired[Status]
    problems: NotRequired[list[DiagnosticRecord]]  # identity.* codes
    evidence: NotRequired[list[FactEvidence]]


class Host(TypedDict):
    label: str
    case: Annotated[
        str,
        Meta(
            description="the host's folder relative to the EVIDENCE argument it was found "
            "under ('.' for the argument itself)"
        ),
    ]
    argument: NotRequired[str | None]
    folder: NotRequired[str]
    grouping: list[str]
    identity: Identity


class Mode(TypedDict):
    effective: Literal[
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
    code: int | None
    layer: Layer | None
    policy_code: int | None
    local_code: int | None
    layers_unknown: NotRequired[list[Layer]]
    evidence: NotRequired[list[FactEvidence]]


class LicenseServers(TypedDict):
    effective: list[str]
    layer: Literal["policy", "local", "discovery", "unknown"]
    policy: list[str] | None
    local: list[str] | None
    layers_unknown: NotRequired[list[Layer]]
    anomalies: NotRequired[list[dict[str, Any]]]
    evidence: NotRequired[list[FactEvidence]]


class Decryption(TypedDict):
    """How the offline DPAPI chain went (hiveparse.rds.grace_decrypt): never a key or
    secret."""

    status: Literal["decrypted", "lsa_secret", "missing_keys", "failed"]
    expires: IsoTime | None
    filetime: NotRequired[int | None]
    master_key_guid: NotRequired[str | None]
    master_key_file: NotRequired[str | None]
    security_hive: NotRequired[str | None]
    steps: NotRequired[dict[str, Any]]
    missing: list[str]
    error: str | None


class BlobHeader(TypedDict):
    """The grace-period timebomb's DPAPI blob header (decode.dpapi_blob): whether it is
    DPAPI-shaped, and its fields (master key GUID, flags, algorithms, lengths) when it is."""

    dpapi_shaped: bool
    problems: list[DiagnosticRecord]  # offsets in the blob's bytes


class GracePeriod(TypedDict):
    present: bool
    value_name: str | None
    storage: NotRequired[Literal["registry", "lsa_secret"] | None]
    key_last_write: IsoTime | None
    key_last_write_raw: NotRequired[int | None]
    blob: BlobHeader | None
    expires: IsoTime | None
    expires_source: Literal["decrypted", "lsa_secret", "estimated"] | None
    days_left: int | None
    days_past: NotRequired[int | None]
    decryption: NotRequired[Decryption | None]
    ended: bool
    evidence: NotRequired[list[FactEvidence]]


class CertificateSummary(TypedDict):
    index: int
    subject: str | None
    issuer: str | None
    serial: NotRequired[str | None]
    not_before: IsoTime | None
    not_after: IsoTime | None
    thumbprint_sha1: str | None
    self_signed: NotRequired[bool | None]


class Issuance(TypedDict):
    kind: Literal["self_signed_license_server", "clearinghouse_chain", "unknown"]
    basis: NotRequired[str]
    status: Literal["UNCERTAIN"]
    source: NotRequired[str]


class X509Summary(TypedDict):
    value_name: str
    key_path: NotRequired[str]
    format: str | None
    certificates: NotRequired[int]
    server: CertificateSummary | None
    server_expired: NotRequired[bool | None]
    license_server: CertificateSummary | None
    roles_status: Literal["UNCERTAIN"]
    issuance: NotRequired[Issuance | None]


class ProprietarySummary(TypedDict):
    value_name: str
    key_path: NotRequired[str]
    key_bits: int | None
    public_exponent: int | None
    modulus_sha1: str | None


class CertificateRecord(CertificateSummary):
    self_issued: NotRequired[bool | None]
    microsoft_extensions: NotRequired[dict[str, Any]]
    problems: list[DiagnosticRecord]  # offsets in the certificate value's bytes


class CertificateRoles(TypedDict):
    server_index: int | None
    license_server_index: int | None
    rule: Literal["position", "issuer_links"]
    status: Literal["UNCERTAIN"]
    source: NotRequired[str]


class CertificateValue(TypedDict):
    """One certificate value the session host holds (hiveparse.rds.server_certificate)."""

    fact: str
    value_name: str
    key_path: str
    location_status: NotRequired[Status]
    type: NotRequired[str]
    size: Annotated[int, Meta(ge=0)]
    format: (
        Literal[
            "rdp_proprietary",
            "rdp_server_certificate",
            "rdp_x509_chain",
            "pkcs7",
            "der",
            "mixed",
            "opaque",
        ]
        | None
    )
    hex: NotRequired[str]
    matches: NotRequired[list[str]]
    cert_chain_version: NotRequired[int | None]
    temporary: NotRequired[bool | None]
    padding: NotRequired[int | None]
    proprietary: NotRequired[dict[str, Any] | None]
    certificates: NotRequired[list[CertificateRecord]]
    roles: NotRequired[CertificateRoles | None]
    server: NotRequired[CertificateSummary | None]
    license_server: NotRequired[CertificateSummary | None]
    links: NotRequired[list[dict[str, Any]]]
    issuance: NotRequired[Issuance | None]
    problems: list[DiagnosticRecord]  # offsets in the value's bytes
    evidence: NotRequired[list[FactEvidence]]


class SessionHostCertificates(TypedDict):
    present: list[str]
    x509: X509Summary | None
    proprietary: ProprietarySummary | None
    values: list[CertificateValue]


class Role(TypedDict):
    session_host: bool | None
    status: Status
    reason: str
    evidence: NotRequired[list[FactEvidence]]
    session_host_certificates: NotRequired[SessionHostCertificates | None]


class ClientLicense(TypedDict):
    store_key: str
    temporary: bool | None
    not_before: IsoTime | None
    not_after: IsoTime | None
    issuer: NotRequired[str | None]
    product_id: NotRequired[str | None]
    problems: NotRequired[list[DiagnosticRecord]]  # offsets in the license's bytes


class ClientStore(TypedDict):
    hwid: str | None
    licenses: list[ClientLicense]
    problems: list[DiagnosticRecord]


class Licensing(TypedDict):
    mode: Mode
    license_servers: LicenseServers
    grace_period: GracePeriod
    role: NotRequired[Role]
    client: ClientStore


class RdpLayer(TypedDict):
    value: int | None
    layer: Layer | None
    policy: int | None
    local: int | None
    policy_unknown: bool


class PortProxyRule(TypedDict):
    kind: Literal["v4tov4", "v4tov6", "v6tov4", "v6tov6"]
    listen: str  # the value's name: listen address/port
    connect: str | None  # its data: connect address/port (None: not a string)
    evidence: FactEvidence


class InstallRunEntry(TypedDict):
    key: str  # Run, RunOnce, RunOnceEx
    name: str
    command: str | None
    evidence: FactEvidence


class RdpPersistence(TypedDict):
    """Where a program can be made to run with RDP, and port relays (hiveparse.rds.persistence)."""

    startup_programs: list[str] | None
    unexpected_startup_programs: list[str]
    initial_program: str | None
    initial_program_by_policy: bool
    inherit_initial_program: int | None
    initial_program_forced: bool | None
    appsetup: list[str] | None
    unexpected_appsetup: list[str]
    install_run: list[InstallRunEntry]
    port_proxies: list[PortProxyRule]
    evidence: list[FactEvidence]


class RecentServer(TypedDict):
    index: int  # MRU<index>; 0 is the latest
    server: str | None
    evidence: FactEvidence


class ServerVisited(TypedDict):
    server: str
    username_hint: str | None
    cert_hash: str | None  # hex
    last_written: IsoTime | None
    last_written_raw: int | None
    evidence: FactEvidence


class OutboundHistory(TypedDict):
    """One user hive's Remote Desktop client history (hiveparse.rds.rdp_client)."""

    source: str
    mount: str
    user: str | None  # the profile folder the hive lies in (Users\<user>), if any
    recent: list[RecentServer]
    servers: list[ServerVisited]


class Rdp(TypedDict):
    enabled: bool | None
    port: int | None
    nla: bool | None
    security_layer: Literal["rdp", "negotiate", "tls", "invalid"] | None
    layers: NotRequired[dict[str, RdpLayer]]
    persistence: NotRequired[RdpPersistence]
    outbound: NotRequired[list[OutboundHistory]]


class EventEvidence(TypedDict):
    """Events of the host's logs a finding rests on, or that bear on it."""

    event: str  # provider/event id
    provider: str
    event_id: int
    meaning: str
    status: Status
    reference: str
    relation: Literal["raises", "corroborates", "contradicts", "predates", "summarised"]
    count: int
    first: IsoTime | None
    last: IsoTime | None
    logs: list[str]


class Finding(TypedDict):
    id: DottedCode
    severity: Literal["critical", "high", "medium", "low", "info"]
    title: str
    detail: str
    evidence: list[dict[str, Any]]  # FactEvidence records, and what else the rule cites
    remediation: str
    confidence: Literal["high", "medium", "low"]
    events: NotRequired[list[EventEvidence]]  # events that corroborate or contradict it


# -- events ----------------------------------------------------------------------------------

EventKindName = Literal["licensing", "rdp_logon", "rdp_end", "rdp_connection"]


class SkippedRecordRecord(TypedDict):
    message: str
    record: int | None
    offset: int | None  # as pyevtx-rs gives it, within its chunk


class CutShort(TypedDict):
    offset: int | None  # an EVTX file's size: where it ends
    line: int | None  # an XML export: where it stops being well-formed
    column: int | None
    what: str


class EventSource(TypedDict):
    """One event log read for the host."""

    path: str
    sha256: Sha256
    size: int
    format: Literal["evtx", "xml"]
    channel: str | None  # the channel most of its records name
    records_read: int
    records_skipped: int
    records_for_host: int  # the records this host takes (a log of several computers)
    skipped: list[SkippedRecordRecord]  # the first 20
    dirty: bool | None  # the file header's flags; None for an XML export
    cut_short: CutShort | None  # the file ends before what it says it holds
    full: bool | None
    header_chunks: int | None
    version: str | None
    first: IsoTime | None
    last: IsoTime | None
    computers: dict[str, int]  # the Computer names of the records this host takes, counted
    other_computers: int  # the other computers the log's records name (other hosts')
    placed_by: Literal["layout", "computer name", "folder", "own host"]
    container: NotRequired[Container]  # a log read from a ZIP collection or a disk image
    duplicate_of: str | None  # the same file given twice: counted once, under that path


class EventCount(TypedDict):
    provider: str
    event_id: Annotated[int, Meta(description="EventID & 0xFFFF")]
    kind: EventKindName
    meaning: str
    status: Status
    count: int
    first: IsoTime | None
    last: IsoTime | None


class LoggedEvent(TypedDict):
    time: IsoTime | None
    provider: str
    event_id: int
    qualifiers: int | None
    record: int | None
    computer: str | None
    channel: str | None
    log: str
    meaning: str
    status: Status
    fields: dict[str, Any]  # EventData / UserData, as the record holds them


class SessionEvent(LoggedEvent):
    kind: EventKindName
    user: str | None
    source: str | None  # the client's address (or name) as the event gives it
    session: str | None
    logon_type: str | None  # 4624 only (always 10)
    remote: bool | None  # False: a console session (address LOCAL); None: not said


class Events(TypedDict):
    """The host's event logs and what they hold (hiveparse.events)."""

    complete: bool  # False: records of a log could not be parsed (skipped)
    not_listed: int  # events counted but not listed one by one (past a log's bound of 20,000)
    sources: list[EventSource]
    counts: list[EventCount]
    licensing: list[LoggedEvent]
    rdp_logons: list[SessionEvent]


class RecoveryScan(TypedDict):
    source: str
    hive: NotRequired[str]
    deleted_keys: int
    deleted_values: int
    scanned_bytes: NotRequired[ScannedBytes]
    partial: bool


class Recovered(TypedDict):
    scans: list[RecoveryScan]
    facts: list[FactEvidence]


class Change(TypedDict):
    """What a .reg input does at a licensing location, with its line and meaning (a .reg
    file is a change script)."""

    source: str
    script: Annotated[
        str,
        Meta(
            description="the .reg file `line` is a line of: the input itself, or the .reg "
            "file a hive written by hiveparse convert was made from (its base name; no line "
            "is known for the values such a hive holds)"
        ),
    ]
    line: int | None
    action: Literal["set", "delete_key", "delete_value"]
    key_path: str
    value_name: NotRequired[str | None]
    data: NotRequired[str | None]
    control_set: NotRequired[str | None]
    meaning: str
    facts: NotRequired[list[str]]


class CoverageRoot(TypedDict):
    path: str
    line: NotRequired[int | None]
    covers: bool
    subtree: NotRequired[bool]
    reason: NotRequired[str]


class Coverage(TypedDict):
    """Where an absence in the evidence is evidence of absence (hiveparse.evidence.coverage)."""

    hive: str
    source: str | None
    mount: NotRequired[str | None]
    kind: Literal[
        "hive", "damaged_hive", "converted_hive", "reg_export", "change_script", "missing"
    ]
    control_set: NotRequired[str | None]
    roots: Annotated[
        list[CoverageRoot] | None,
        Meta(
            description="null: the whole hive; else the exported subtrees (covers: whether an "
            "absence below the root counts)"
        ),
    ]
    reason: NotRequired[str | None]


class NotJudged(TypedDict):
    rule: str
    findings: list[str]
    fact: str
    premise: str
    reason: str
    settle_with: str


class NotApplicable(TypedDict):
    rule: str
    findings: list[str]
    premise: str
    reason: str


class ControlSetSource(TypedDict):
    source: str
    available: list[str]
    current: str | None


class ControlSets(TypedDict):
    """The control sets of the host's SYSTEM input(s): the current one, as Select names it."""

    current: str | None
    available: list[str]
    sources: list[ControlSetSource]


class AnalyzeDocument(TypedDict):
    """One host's analyze report."""

    schema_version: Literal["1"]
    tool: Tool
    as_of: IsoTime
    host: NotRequired[Host]
    evidence: list[EvidenceRecord]
    supporting_files: NotRequired[list[SupportingFile]]
    control_sets: NotRequired[ControlSets | None]  # None: no SYSTEM hive among the inputs
    licensing: Licensing
    rdp: Rdp
    events: NotRequired[Events | None]  # None: no event log of the host was given
    recovered: NotRequired[Recovered]
    findings: list[Finding]
    changes: NotRequired[list[Change]]
    coverage: NotRequired[list[Coverage]]
    not_judged: NotRequired[list[NotJudged]]
    not_applicable: NotRequired[list[NotApplicable]]
    partial: bool
    unreadable: NotRequired[list[Unreadable]]
    diagnostics: list[DiagnosticRecord]


# -- compare -------------------------------------------------------------------------------


class NotCoveredRecord(TypedDict):
    """A place a side's evidence does not cover where a value could change the setting."""

    place: str
    fact: str
    reason: str
    settle_with: str


class ReadingRecord(TypedDict):
    """What one input of a side holds at a place its other inputs disagree on."""

    source: str
    sha256: str | None
    format: str
    holds: str
    line: int | None
    cell_offset: int | None


class ConflictRecord(TypedDict):
    fact: str
    readings: list[ReadingRecord]
    used: str  # the input compared


class SettingProvenance(TypedDict):
    """Where one side's value of a setting comes from."""

    # set; not_set (no layer sets it, every layer covered); unusable (only a value of the
    # wrong type, which Windows passes over); unknown (a layer the evidence does not cover)
    state: Literal["set", "not_set", "unusable", "unknown"]
    layer: Literal["policy", "local"] | None  # None: no layer sets it
    facts: list[FactEvidence]
    overridden: list[FactEvidence]  # lower-layer values the deciding one overrides
    not_covered: list[NotCoveredRecord]
    conflicts: list[ConflictRecord]


class CompareRow(TypedDict):
    """One setting of two machines (hiveparse.compare.compare): ``a``/``b`` as a person
    reads them (None: no layer sets it), ``raw_a``/``raw_b`` the data they rest on."""

    setting: str
    id: str
    group: str
    status: Literal["same", "differs", "only_a", "only_b", "expected_to_differ", "unknown"]
    a: Any
    b: Any
    raw_a: Any
    raw_b: Any
    a_provenance: SettingProvenance
    b_provenance: SettingProvenance
    machine_specific: str | None  # why a difference is expected; None for a setting
    reference_status: Status  # UNCERTAIN: a place it reads is not confirmed by the reference
    note: str | None  # the notes as one text
    notes: list[str]  # each a sentence of its own (the table numbers them once each)


class CompareSide(TypedDict):
    label: Literal["a", "b"]
    host: str
    arguments: list[str]
    partial: bool
    identity: Identity


class CompareSummary(TypedDict):
    rows: int
    same: int
    differs: int
    only_a: int
    only_b: int
    expected_to_differ: int
    unknown: int


class CompareDocument(Envelope):
    sides: list[CompareSide]
    summary: CompareSummary
    rows: list[CompareRow]


# -- timebomb ------------------------------------------------------------------------------


class Timebomb(TypedDict):
    kind: str
    where: FactEvidence
    header: BlobHeader
    expires: IsoTime | None
    expires_source: str | None
    expires_note: str | None
    decryption: Decryption | None


class TimebombDocument(Envelope):
    timebombs: list[Timebomb]
    without_timebomb: list[dict[str, Any]]  # hosts whose evidence holds none, and why
    missing: list[str]
    supporting_files: list[SupportingFile]


DOCUMENTS: dict[str, type] = {
    "analyze": AnalyzeDocument,
    "query": QueryDocument,
    "info": InfoDocument,
    "recover": RecoverDocument,
    "verify": VerifyDocument,
    "secrets": SecretsDocument,
    "convert": ConvertDocument,
    "timebomb": TimebombDocument,
    "diff": DiffDocument,
    "compare": CompareDocument,
    "envelope": Envelope,
}
"""Each command's JSON document, by command (``envelope``: what they all share)."""
