#!/usr/bin/env bash
# hiveparse benchmarks, side by side with the peer libraries, in one run.
#
#   bash benchmarks/run.sh            # everything (~6 min on 2 cores), results in benchmarks/results/
#
# Environment knobs:
#   PYTHON=/path/to/python   interpreter with hiveparse and the peers installed (default: python3's
#                            real executable, resolved so no pyenv shim is timed)
#   RUNS=10                  hyperfine runs per command for the hive walks
#   REGIPY_TIMEOUT=120       seconds before the regipy walk of the big hive is killed
#   REG_SIZES="200 400"      sizes (MB) of the generated UTF-16LE .reg files
#   BENCH_TMP=/tmp           where the generated .reg files go (deleted at the end)
#   HIVEPARSE_CORPUS=DIR        the shared corpus (default: ../shared/corpus beside the repo)
#   SKIP_INSTALL=1           do not try to install missing tools
#   ALLOW_DIRTY=1            run on uncommitted changes (results not to be recorded)
#   ONLY=9                   run only step 9 (hostile evidence), 10 (the query path), 11
#                            (diff), 12 (compare), 13 (a queue of tickets), 14 (disk images)
#                            or 15 (event logs),
#                            keeping the other steps'
#                            results of an earlier run (the report says when each ran)
#
# Not a test: nothing here asserts; report.py prints PASS/FAIL against the issue's targets.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
cd "$REPO"

PY="$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')"
BIN="$(dirname "$PY")"
RES="$HERE/results"
RUNS="${RUNS:-10}"
REGIPY_TIMEOUT="${REGIPY_TIMEOUT:-120}"
REG_SIZES="${REG_SIZES:-200 400}"
CORPUS="${HIVEPARSE_CORPUS:-$REPO/../shared/corpus}"
export HIVEPARSE_CORPUS="$CORPUS"
SYSTEM10="$CORPUS/hives/regipy/SYSTEM_WIN_10_1709"
NTUSER="$CORPUS/hives/regipy/NTUSER.DAT"
DSYSTEM="$CORPUS/hives/dissect-regf/SYSTEM"
XPSYSTEM="$CORPUS/hives/hackfortress-xp/system"  # SYSTEM and SOFTWARE of one machine
XPSOFTWARE="$CORPUS/hives/hackfortress-xp/software"
QUERY_KEY='ControlSet001\Control\Terminal Server\RCM\Licensing Core'
HP="$BIN/hiveparse"

say() { printf '\n== %s\n' "$*" >&2; }

# Results are recorded only from a clean commit, so that each number names the code it measured.
if [[ -n "$(git -C "$REPO" status --porcelain)" && -z "${ALLOW_DIRTY:-}" ]]; then
    echo "the working tree has uncommitted changes: commit first (or ALLOW_DIRTY=1 to try)" >&2
    exit 2
fi
# load average before each step (the machine may be shared): results/loadavg.jsonl
mark() { printf '{"step": "%s", "loadavg": [%s]}\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')" >>"$RES/loadavg.jsonl"; }

# --- tools ----------------------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v hivexml >/dev/null || need_apt+=(libhivex-bin)
if ((${#need_apt[@]})) && [[ -z "${SKIP_INSTALL:-}" ]]; then
    say "installing ${need_apt[*]}"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! "$PY" -c 'import Registry, regipy, pyregf, hiveparse' 2>/dev/null; then
    [[ -n "${SKIP_INSTALL:-}" ]] && { echo "missing Python packages" >&2; exit 2; }
    say "installing the peer libraries"
    "$PY" -m pip install -q "python-registry>=1.3.1" "regipy>=6.5" "libregf-python>=20240101"
    "$PY" -m pip install -q -e "$REPO"
fi
[[ -x "$HP" ]] || { echo "no hiveparse console script at $HP (pip install -e .)" >&2; exit 2; }
for f in "$SYSTEM10" "$NTUSER" "$DSYSTEM"; do
    [[ -r "$f" ]] || { echo "corpus file missing: $f" >&2; exit 2; }
done

# hiveparse as users install it (`pip install .`: the reader's hot path compiled by mypyc, see
# setup.py), in a scratch venv that sees the peers from the interpreter's site-packages.
TMP_BUILD="$(mktemp -d "${BENCH_TMP:-/tmp}/hiveparse-build.XXXXXX")"
say "building hiveparse (compiled) into $TMP_BUILD"
"$PY" -m pip wheel -q --disable-pip-version-check --no-deps -w "$TMP_BUILD/wheel" "$REPO" >&2
"$PY" -m venv --system-site-packages "$TMP_BUILD/venv"
"$TMP_BUILD/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$TMP_BUILD"/wheel/*.whl >&2
HPY="$TMP_BUILD/venv/bin/python"
HP="$TMP_BUILD/venv/bin/hiveparse"

mkdir -p "$RES"
TMP="$(mktemp -d "${BENCH_TMP:-/tmp}/hiveparse-bench.XXXXXX")"
trap 'rm -rf "$TMP" "$TMP_BUILD"' EXIT
if [[ -z "${ONLY:-}" ]]; then
    # This run's results only: the one-off before/after comparison and the hostile sweep
    # (hostile_sweep.py) are recorded by their own commands and kept.
    find "$RES" -maxdepth 1 \( -name '*.json' -o -name '*.jsonl' \) \
        ! -name analyze_before_after.json ! -name hostile_sweep.json -delete
    "$PY" "$HERE/env_info.py" "$RES/env.json" >&2
else
    "$PY" "$HERE/env_info.py" "$RES/env_step${ONLY}.json" >&2
fi

walk_cmd() {  # hiveparse runs in the compiled build's venv (from outside the repository)
    if [[ "$1" == hiveparse ]]; then echo "$HPY $HERE/walk_$1.py $2"; else echo "$PY $HERE/walk_$1.py $2"; fi
}

if [[ -z "${ONLY:-}" ]]; then
# --- 1. full walk, SYSTEM Win10 1709 ---------------------------------------------------------
mark walk_system10_rss
say "1. full walk of $SYSTEM10: peak RSS and counts (3 interleaved rounds; regipy ${REGIPY_TIMEOUT}s timeout)"
"$PY" "$HERE/measure.py" --out "$RES/walk_system10_rss.json" --runs 3 --timeout "$REGIPY_TIMEOUT" \
    --label "full walk SYSTEM_WIN_10_1709" --discard-stdout hivexml \
    "hiveparse=$(walk_cmd hiveparse "$SYSTEM10")" \
    "python-registry=$(walk_cmd python_registry "$SYSTEM10")" \
    "pyregf=$(walk_cmd pyregf "$SYSTEM10")" \
    "hivexml=hivexml $SYSTEM10" \
    "regipy=$(walk_cmd regipy "$SYSTEM10")"

mark walk_system10
say "1. full walk of $SYSTEM10: time (hyperfine, warmup 1, $RUNS runs)"
hyperfine -N --warmup 1 --runs "$RUNS" --style basic --export-json "$RES/walk_system10.json" >&2 \
    -n hiveparse "$(walk_cmd hiveparse "$SYSTEM10")" \
    -n python-registry "$(walk_cmd python_registry "$SYSTEM10")" \
    -n pyregf "$(walk_cmd pyregf "$SYSTEM10")" \
    -n hivexml "hivexml $SYSTEM10"

mark walk_ntuser
say "1b. full walk of the small $NTUSER, all five engines"
"$PY" "$HERE/measure.py" --out "$RES/walk_ntuser_rss.json" --runs 3 --timeout "$REGIPY_TIMEOUT" \
    --label "full walk NTUSER.DAT" --discard-stdout hivexml \
    "hiveparse=$(walk_cmd hiveparse "$NTUSER")" \
    "python-registry=$(walk_cmd python_registry "$NTUSER")" \
    "pyregf=$(walk_cmd pyregf "$NTUSER")" \
    "hivexml=hivexml $NTUSER" \
    "regipy=$(walk_cmd regipy "$NTUSER")"
hyperfine -N --warmup 1 --runs "$RUNS" --style basic --export-json "$RES/walk_ntuser.json" >&2 \
    -n hiveparse "$(walk_cmd hiveparse "$NTUSER")" \
    -n python-registry "$(walk_cmd python_registry "$NTUSER")" \
    -n pyregf "$(walk_cmd pyregf "$NTUSER")" \
    -n hivexml "hivexml $NTUSER" \
    -n regipy "$(walk_cmd regipy "$NTUSER")"

# --- 2. open + 20 named values, in process ---------------------------------------------------
mark lookups
say "2. open + 20 named values (in process, 3 rounds x 50 reps)"
"$HPY" "$HERE/lookups.py" --hive "$SYSTEM10" --rounds 3 --reps 50 --out "$RES/lookups.json"

# --- 4. CLI start-up and query ---------------------------------------------------------------
mark cli
say "4. CLI: hiveparse --help and query vs python -c 'import typer' (one hyperfine run)"
# analyze on the SYSTEM and SOFTWARE hives of one machine (hackfortress-xp), copied into one
# folder as the two hives of a ticket are.
mkdir -p "$TMP/pair"
cp "$XPSYSTEM" "$TMP/pair/SYSTEM"
cp "$XPSOFTWARE" "$TMP/pair/SOFTWARE"
cli=(-n "python -c pass" "$PY -c pass"
     -n "python -c 'import typer'" "$PY -c 'import typer'"
     -n "hiveparse --help" "$HP --help"
     -n "hiveparse query" "$HP query $DSYSTEM '$QUERY_KEY'"
     -n "hiveparse analyze SYSTEM+SOFTWARE" "$HP analyze $TMP/pair/SYSTEM $TMP/pair/SOFTWARE -f json")
shim="$(command -v hiveparse || true)"
if [[ -n "$shim" && "$shim" != "$HP" ]]; then  # e.g. a pyenv shim: shown apart, not judged
    cli+=(-n "hiveparse --help (via the shim on PATH)" "$shim --help")
fi
hyperfine -N --warmup 3 --runs 30 --style basic --export-json "$RES/cli.json" "${cli[@]}" >&2

# --- 5. analyze on a hive twice as large (built with convert) --------------------------------
mark analyze_size
say "5. analyze: a SYSTEM hive and one twice as large with the same licensing keys"
"$PY" "$HERE/double_hive.py" "$XPSYSTEM" "$TMP/sized" >&2
cp "$XPSOFTWARE" "$TMP/sized/single/SOFTWARE"  # the same machine's SOFTWARE beside each SYSTEM
cp "$XPSOFTWARE" "$TMP/sized/double/SOFTWARE"
hyperfine -N --warmup 2 --runs 20 --style basic --export-json "$RES/analyze_size.json" >&2 \
    -n "analyze single" "$HP analyze $TMP/sized/single/SYSTEM $TMP/sized/single/SOFTWARE -f json" \
    -n "analyze double" "$HP analyze $TMP/sized/double/SYSTEM $TMP/sized/double/SOFTWARE -f json"
ls -l "$TMP/sized/single/SYSTEM" "$TMP/sized/double/SYSTEM" | awk '{print $5, $9}' >"$RES/analyze_size_files.txt"

# --- 6. carving deleted records --------------------------------------------------------------
# No peer library installable from PyPI carves hives (yarp, which does, is not published there),
# so each hive's full walk by hiveparse and by pyregf is timed beside it for scale.
mark carve
say "6. carving: every free cell, cell slack and remnant of $DSYSTEM and $SYSTEM10"
carve_cmd() { echo "$HPY $HERE/carve_hiveparse.py $1"; }
"$PY" "$HERE/measure.py" --out "$RES/carve_rss.json" --runs 3 --label "carve" \
    "carve dissect SYSTEM=$(carve_cmd "$DSYSTEM")" \
    "carve SYSTEM_WIN_10_1709=$(carve_cmd "$SYSTEM10")"
hyperfine -N --warmup 1 --runs "$RUNS" --style basic --export-json "$RES/carve.json" >&2 \
    -n "carve dissect SYSTEM" "$(carve_cmd "$DSYSTEM")" \
    -n "walk dissect SYSTEM (hiveparse)" "$(walk_cmd hiveparse "$DSYSTEM")" \
    -n "walk dissect SYSTEM (pyregf)" "$(walk_cmd pyregf "$DSYSTEM")" \
    -n "hiveparse recover dissect SYSTEM" "$HP recover $DSYSTEM -f json" \
    -n "carve SYSTEM_WIN_10_1709" "$(carve_cmd "$SYSTEM10")"

# --- 7. the offline DPAPI chain ---------------------------------------------------------------
mark dpapi
say "7. the offline LSA/DPAPI chain, in process (median of 21 runs per case)"
"$HPY" "$HERE/bench_dpapi_chain.py" --runs 21 --out "$RES/dpapi_chain.json" >&2
# ... and as analyze runs it: the whole command on the sample volume, with the machine's keys
# (the timebomb decrypted) and with its master key files taken away (the expiry estimated).
rm -rf "$TMP/keys" "$TMP/nokeys"
cp -r "$REPO/samples/rdsh-image" "$TMP/keys"
cp -r "$REPO/samples/rdsh-image" "$TMP/nokeys"
rm -rf "$TMP/nokeys/Windows/System32/Microsoft"
hyperfine -N --warmup 2 --runs 20 --style basic --export-json "$RES/dpapi_analyze.json" >&2 \
    -n "analyze volume, keys" "$HP analyze $TMP/keys --as-of 2026-03-06T12:00:00Z -f json" \
    -n "analyze volume, no keys" "$HP analyze $TMP/nokeys --as-of 2026-03-06T12:00:00Z -f json"
rm -rf "$TMP/keys" "$TMP/nokeys"

# --- 8. peak memory against the hive's size ---------------------------------------------------
# The dissect-regf SYSTEM grown to 1 and 3 GiB by one more hive bin (a free cell), as sparse
# files: info and analyze hash every byte but must not hold them; python-registry reads the
# whole file, shown for scale on 1 GiB.
mark padded
say "8. peak memory: info and analyze on SYSTEM grown to 1 and 3 GiB"
padded=()
for size in 1024 3072; do
    label="$((size / 1024)) GiB"
    mkdir -p "$TMP/padded_$size"
    "$PY" "$HERE/pad_hive.py" "$DSYSTEM" "$TMP/padded_$size/SYSTEM" "$size"
    padded+=("info $label=$HP info $TMP/padded_$size/SYSTEM"
             "analyze $label=$HP analyze $TMP/padded_$size/SYSTEM -f json")
done
"$PY" "$HERE/measure.py" --out "$RES/padded_rss.json" --runs 3 --timeout 300 --label "padded" \
    "info 11 MB=$HP info $DSYSTEM" "analyze 11 MB=$HP analyze $DSYSTEM -f json" "${padded[@]}" \
    "python-registry walk 1 GiB=$(walk_cmd python_registry "$TMP/padded_1024/SYSTEM")"
rm -rf "$TMP"/padded_*

# --- 3. .reg parsing -------------------------------------------------------------------------
say "3. .reg parsing: generating UTF-16LE files of ${REG_SIZES} MB in $TMP"
stream_cmds=()
snap_cmds=()
for mb in $REG_SIZES; do
    "$PY" "$HERE/make_big_reg.py" "$TMP/big_${mb}.reg" --size-mb "$mb" >&2
    stream_cmds+=("stream ${mb} MB=$PY $HERE/parse_reg.py $TMP/big_${mb}.reg --mode stream")
    snap_cmds+=("snapshot ${mb} MB=$PY $HERE/parse_reg.py $TMP/big_${mb}.reg --mode snapshot")
done
cat "$TMP"/big_*.reg >/dev/null  # page cache warm
mark reg_stream
"$PY" "$HERE/measure.py" --out "$RES/reg_stream.json" --runs 3 --label "reg stream" "${stream_cmds[@]}"
mark reg_snapshot
"$PY" "$HERE/measure.py" --out "$RES/reg_snapshot.json" --runs 1 --label "reg snapshot" "${snap_cmds[@]}"

fi

# --- 9. hostile evidence (issue 10) ---------------------------------------------------------
# query -s -v with and without --security on the Win10 SYSTEM (descriptors decoded once per sk
# record: within 2x); convert and query -s -v of a 1,000,000-value .reg (26 MB); peak memory
# of every command on a valid hive followed by a 3 GiB sparse tail, under a 1 GiB
# address-space limit as users set it (prlimit), and without one.
step9() {
    mark hostile
    say "9. hostile evidence: query --security, convert of 1M values, a 3 GiB sparse tail"
    hyperfine -N -i --warmup 1 --runs 5 --style basic --export-json "$RES/security_query.json" >&2 \
        -n "query -s -v" "$HP query $SYSTEM10 -s -v -f json" \
        -n "query -s -v --security" "$HP query $SYSTEM10 -s -v --security -f json"
    mkdir -p "$TMP/many" "$TMP/tail"
    "$PY" "$HERE/make_many_values_reg.py" "$TMP/many/many.reg" --values 1000000 >&2
    "$PY" "$HERE/measure.py" --out "$RES/convert_many.json" --runs 1 --timeout 600 \
        --label "convert 1M values" --discard-stdout "query -s -v, 1M values" \
        "convert 1M values=$HP convert $TMP/many/many.reg -o $TMP/many_out/ -f json" \
        "query -s -v, 1M values=$HP query $TMP/many/many.reg -s -v -f json"
    cp "$DSYSTEM" "$TMP/tail/SYSTEM"
    truncate -s 3G "$TMP/tail/SYSTEM"
    limit="prlimit --as=1073741824"
    tail_cmds=()
    discard=()
    for cmd in "info H -f json" "query H -s -v -f json" "analyze H -f json" "recover H -f json" \
               "verify H -f json" "export H" "timebomb --from H -f json"; do
        name="${cmd%% *}"
        line="$HP ${cmd/H/$TMP/tail/SYSTEM}"
        tail_cmds+=("$name=$line" "$name, 1 GiB limit=$limit $line")
        discard+=(--discard-stdout "$name" --discard-stdout "$name, 1 GiB limit")
    done
    "$PY" "$HERE/measure.py" --out "$RES/sparse_tail.json" --runs 1 --timeout 300 \
        --label "3 GiB sparse tail" "${discard[@]}" "${tail_cmds[@]}"
    rm -rf "$TMP/many" "$TMP/many_out" "$TMP/tail"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 9 ]] && step9

# --- 10. the query path (issue 11) ---------------------------------------------------------
# `query -s -v` of the whole Win10 SYSTEM as users run it (JSON Lines and JSON to /dev/null),
# side by side with a python-registry walk that decodes every value: time (hyperfine) and
# peak RSS (measure.py). The Win10 SYSTEM is dirty without its logs, so query exits 3 (-i).
step10() {
    mark query_path
    say "10. query -s -v of $SYSTEM10 vs a python-registry walk"
    hyperfine -N -i --warmup 1 --runs "$RUNS" --style basic --export-json "$RES/query_path.json" >&2 \
        -n "query -s -v -f jsonl" "$HP query $SYSTEM10 -s -v -f jsonl" \
        -n "query -s -v -f json" "$HP query $SYSTEM10 -s -v -f json" \
        -n "python-registry walk" "$(walk_cmd python_registry "$SYSTEM10")"
    "$PY" "$HERE/measure.py" --out "$RES/query_path_rss.json" --runs 3 --label "query path" \
        --discard-stdout "query -s -v -f jsonl" --discard-stdout "query -s -v -f json" \
        "query -s -v -f jsonl=$HP query $SYSTEM10 -s -v -f jsonl" \
        "query -s -v -f json=$HP query $SYSTEM10 -s -v -f json" \
        "python-registry walk=$(walk_cmd python_registry "$SYSTEM10")"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 10 ]] && step10

# --- 11. diff of two 15 MB hives (issue 12) -------------------------------------------------
step11() {
    mark diff
    say "11. diff of two copies of $SYSTEM10 that hivexregedit made differ, vs one walk"
    # Both copies written by hivex (so neither is dirty), B with a patch applied: a value
    # changed, a key added, a subtree deleted.
    local work
    work="$(mktemp -d "${BENCH_TMP:-/tmp}/hiveparse-diff.XXXXXX")"
    mkdir -p "$work/a" "$work/b"
    cp "$SYSTEM10" "$work/a/SYSTEM" && cp "$SYSTEM10" "$work/b/SYSTEM"
    chmod u+w "$work/a/SYSTEM" "$work/b/SYSTEM"
    printf 'Windows Registry Editor Version 5.00\n' >"$work/none.reg"
    printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
        '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server]' \
        '"fDenyTSConnections"=dword:00000001' '' \
        '[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\W32Time]' '' \
        '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\NewAgent]' \
        '"Start"=dword:00000002' >"$work/patch.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$work/a/SYSTEM" "$work/none.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$work/b/SYSTEM" "$work/patch.reg"
    hyperfine -N -i --warmup 1 --runs "$RUNS" --style basic --export-json "$RES/diff.json" >&2 \
        -n "diff -f json" "$HP diff $work/a/SYSTEM $work/b/SYSTEM -f json" \
        -n "hiveparse walk" "$(walk_cmd hiveparse "$work/a/SYSTEM")" \
        -n "python-registry walk" "$(walk_cmd python_registry "$work/a/SYSTEM")"
    "$PY" "$HERE/measure.py" --out "$RES/diff_rss.json" --runs 3 --label "diff" \
        --discard-stdout "diff -f json" \
        "diff -f json=$HP diff $work/a/SYSTEM $work/b/SYSTEM -f json" \
        "hiveparse walk=$(walk_cmd hiveparse "$work/a/SYSTEM")"
    rm -rf "$work"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 11 ]] && step11

# --- 12. compare of two SYSTEM + SOFTWARE pairs (issue 12) -------------------------------------
# The XP machine's SYSTEM (4 MB) and SOFTWARE (11 MB) as side A, a hivex-written copy with a
# listener port, a policy and a Remote Assistance value changed as side B; against the
# interpreter importing typer (the floor of any typer command).
step12() {
    mark compare
    say "12. compare of two SYSTEM + SOFTWARE pairs (the XP machine and a changed copy)"
    local work
    work="$(mktemp -d "${BENCH_TMP:-/tmp}/hiveparse-compare.XXXXXX")"
    mkdir -p "$work/a" "$work/b"
    cp "$XPSYSTEM" "$work/a/SYSTEM" && cp "$XPSOFTWARE" "$work/a/SOFTWARE"
    cp "$XPSYSTEM" "$work/b/SYSTEM" && cp "$XPSOFTWARE" "$work/b/SOFTWARE"
    chmod u+w "$work"/*/*
    printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
        '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server\WinStations\RDP-Tcp]' \
        '"PortNumber"=dword:00000d3e' '' \
        '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server]' \
        '"fAllowToGetHelp"=dword:00000000' >"$work/system.reg"
    printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
        '[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services]' \
        '"UserAuthentication"=dword:00000001' '"Shadow"=dword:00000002' >"$work/software.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$work/b/SYSTEM" "$work/system.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$work/b/SOFTWARE" "$work/software.reg"
    hyperfine -N -i --warmup 2 --runs "$((RUNS * 2))" --style basic --export-json "$RES/compare.json" >&2 \
        -n "compare -f json" "$HP compare $work/a $work/b -f json" \
        -n "compare -f table" "$HP compare $work/a $work/b -f table" \
        -n "python -c 'import typer'" "$PY -c 'import typer'"
    "$PY" "$HERE/measure.py" --out "$RES/compare_rss.json" --runs 3 --label "compare" \
        --discard-stdout "compare -f json" \
        "compare -f json=$HP compare $work/a $work/b -f json"
    rm -rf "$work"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 12 ]] && step12

# --- 13. a queue of generated tickets (issue 13) -----------------------------------------------
# 2,000 and 20,000 tickets (tests/support/ticket_queue.py) with --jobs 1, --jobs 2 and a Dask
# cluster of two workers on loopback, against one hiveparse process per ticket.
step13() {
    mark batch
    say "13. a queue of 2,000 and 20,000 generated tickets"
    "$PY" "$HERE/batch.py" --out "$RES/batch.json" --hiveparse "$HP"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 13 ]] && step13

# --- 14. disk images (issue 14) ------------------------------------------------------------------
# analyze on each image format of tests/data/images against the folder it was built from, and
# the cost of hashing a 1 GiB image (with and without --no-image-hash, beside sha256sum).
step14() {
    mark images
    say "14. disk images: each format against the folder, and hashing 1 GiB"
    "$PY" "$HERE/images.py" --out "$RES/images.json" --hiveparse "$HP"
}

[[ -z "${ONLY:-}" || "${ONLY}" == 14 ]] && step14

# --- 15. event logs (issue 15) ------------------------------------------------------------------
# The reader's records per second against pyevtx-rs's own iteration (the largest corpus log
# and a 50,000-record log), and what a host's logs add to analyze; memory of each.
step15() {
    mark 15
    say "15. event logs: the reader against pyevtx-rs, and analyze with and without logs"
    "$PY" "$HERE/events.py" --out "$RES/events.json" --hiveparse "$HP"
}
[[ -z "${ONLY:-}" || "${ONLY}" == 15 ]] && step15

# --- report ----------------------------------------------------------------------------------
mark end
say "report"
"$PY" "$HERE/report.py" "$RES"

# Results name files relative to the repository and the corpus, never by this machine's paths.
"$PY" - "$RES" "$REPO" "$CORPUS" "$BIN" "$TMP" "$TMP_BUILD" <<'PYEOF'
import pathlib, sys
res, repo, corpus, bindir, tmp, build = sys.argv[1:]
pairs = [(str(pathlib.Path(corpus).resolve()), "corpus"), (corpus, "corpus"),
         (str(pathlib.Path(repo).resolve()) + "/", ""), (repo + "/", ""),
         (bindir + "/", ""), (tmp, "$TMP"), (build, "$BUILD")]
for path in pathlib.Path(res).iterdir():
    text = path.read_text()
    for old, new in pairs:
        text = text.replace(old, new)
    path.write_text(text)
PYEOF
