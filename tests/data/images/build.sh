#!/usr/bin/env bash
# Build the disk-image fixtures of tests/data/images/ for hiveparse's evidence
# (disk image) reader, and MANIFEST.json, the truth the tests compare against.
#
# NEEDS ROOT AND FUSE: the NTFS volumes are filled through ntfs-3g (a FUSE
# file system), so this must run as root on a machine where /dev/fuse works.
# It is run ONCE and its results are committed; the tests never run it.
#
# Tools (Debian 12 package names): ntfs-3g (mkntfs, ntfs-3g, ntfsinfo),
# ewf-tools 20140813 (ewfacquire, ewfinfo, ewfverify, ewfexport), qemu-utils
# (qemu-img), fdisk (sfdisk), util-linux (blkid), dosfstools (mkfs.fat),
# coreutils, jq, python3 (standard library only, to assemble the JSON).
#
# Everything is built in a private `mktemp -d` folder; only when every check
# passed are the results moved into this folder, replacing the previous ones.
# Nothing is ever written under samples/ (it is only read, and its hashes are
# compared before and after).
set -euo pipefail
export LC_ALL=C

die() { echo "build.sh: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
SAMPLES="$ROOT/samples"
[[ "$HERE" == "$ROOT/tests/data/images" ]] || die "must live in tests/data/images (found $HERE)"
[[ -f "$SAMPLES/make_samples.py" ]] || die "no samples/ at $SAMPLES"

# --- preconditions -----------------------------------------------------------
[[ "$(id -u)" -eq 0 ]] || die "must run as root (ntfs-3g FUSE mounts, mkntfs)"
[[ -c /dev/fuse ]] || die "/dev/fuse is missing: FUSE is needed for ntfs-3g"
for tool in mkntfs ntfs-3g ntfsinfo ewfacquire ewfinfo ewfverify ewfexport \
            qemu-img sfdisk blkid mkfs.fat jq python3 sha256sum split dd \
            truncate mountpoint umount diff cmp find stat; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
python3 -c 'import sys; assert sys.version_info >= (3, 8)' || die "python3 >= 3.8 needed"

SECTOR=512
RDSH="rdsh-image"                       # samples/rdsh-image/Windows/...
SECOND=""                               # second install: SYSTEM + SOFTWARE
for c in rds-session-host friday-afternoon-rdsh per-user-farm-gpo; do
    if [[ -f "$SAMPLES/$c/SYSTEM" && -f "$SAMPLES/$c/SOFTWARE" ]]; then SECOND=$c; break; fi
done
[[ -n "$SECOND" ]] || die "no sample folder with both SYSTEM and SOFTWARE"
[[ -d "$SAMPLES/$RDSH/Windows" ]] || die "samples/$RDSH/Windows missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hiveparse-images.XXXXXXXX")
OUT="$WORK/out"; META="$WORK/meta"; STAGE="$WORK/stage"; VOLS="$WORK/vols"
mkdir -p "$OUT" "$META/disks" "$META/images" "$STAGE" "$VOLS" "$WORK/mnt" "$WORK/x" "$WORK/log"

NTFS_PID=""; NTFS_MNT=""
cleanup() {
    local rc=$?
    if [[ -n "$NTFS_MNT" ]] && mountpoint -q "$NTFS_MNT"; then
        umount "$NTFS_MNT" || true
    fi
    if [[ -n "$NTFS_PID" ]]; then wait "$NTFS_PID" 2>/dev/null || true; fi
    if mountpoint -q "$WORK/mnt" 2>/dev/null; then
        echo "build.sh: $WORK/mnt still mounted; leaving $WORK in place" >&2
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT

# Samples are only read: record their hashes now, compare at the end.
sample_hashes() {
    (cd "$SAMPLES" && find "$RDSH" "$SECOND" -type f -print0 | sort -z | xargs -0 sha256sum)
}
sample_hashes > "$WORK/samples.before"

# --- ntfs-3g mount helpers (foreground process we own, waited for) ---------------
ntfs_mount() {  # IMAGE MOUNTPOINT [extra options]
    local img=$1 mnt=$2 opts=${3:-}
    ntfs-3g -o "no_detach${opts:+,$opts}" "$img" "$mnt" >>"$WORK/log/ntfs-3g.log" 2>&1 &
    NTFS_PID=$!; NTFS_MNT=$mnt
    local i
    for i in $(seq 1 200); do
        mountpoint -q "$mnt" && return 0
        kill -0 "$NTFS_PID" 2>/dev/null || die "ntfs-3g failed on $img (see log)"
        sleep 0.05
    done
    die "ntfs-3g did not mount $img"
}
ntfs_umount() {
    umount "$NTFS_MNT"
    wait "$NTFS_PID" || die "ntfs-3g exited with an error"
    NTFS_PID=""; NTFS_MNT=""
}

# --- staged trees: exactly what goes into each volume ---------------------------
# $STAGE/<tree>/ holds the tree, $STAGE/<tree>.tsv lists "path<TAB>role<TAB>source".
role_of() {
    case "$1" in
        Windows/System32/config/*) echo hive ;;
        Windows/System32/Microsoft/Protect/*/Preferred) echo dpapi_preferred ;;
        Windows/System32/Microsoft/Protect/*/*) echo dpapi_master_key ;;
        *) echo decoy ;;
    esac
}
stage_rdsh_tree() {  # TREE: the rdsh-image Windows tree, copied byte for byte
    local t=$1
    mkdir -p "$STAGE/$t"
    cp -r "$SAMPLES/$RDSH/Windows" "$STAGE/$t/"
    while read -r p; do
        cmp -s "$SAMPLES/$RDSH/$p" "$STAGE/$t/$p" || die "copy differs: $p"
        printf '%s\t%s\t%s\n' "$p" "$(role_of "$p")" "samples/$RDSH/$p"
    done < <(cd "$STAGE/$t" && find Windows -type f | sort) >> "$STAGE/$t.tsv"
}

: > "$STAGE/rdsh-main.tsv"
stage_rdsh_tree rdsh-main
mkdir -p "$STAGE/rdsh-main/Windows/System32/winevt/Logs" \
         "$STAGE/rdsh-main/Windows/System32/config/RegBack" \
         "$STAGE/rdsh-main/Users/Public"
printf 'Notes for the RDS licensing review.\r\nNothing here is registry data; this file is a decoy.\r\n' \
    > "$STAGE/rdsh-main/Users/Public/notes.txt"
printf '%s\t%s\t%s\n' "Users/Public/notes.txt" decoy "generated by build.sh" >> "$STAGE/rdsh-main.tsv"

: > "$STAGE/rdsh-plain.tsv"
stage_rdsh_tree rdsh-plain

: > "$STAGE/second.tsv"
mkdir -p "$STAGE/second/Windows/System32/config"
for h in SYSTEM SOFTWARE; do
    cp "$SAMPLES/$SECOND/$h" "$STAGE/second/Windows/System32/config/$h"
    cmp -s "$SAMPLES/$SECOND/$h" "$STAGE/second/Windows/System32/config/$h" || die "copy differs: $h"
    printf '%s\t%s\t%s\n' "Windows/System32/config/$h" hive "samples/$SECOND/$h" >> "$STAGE/second.tsv"
done

: > "$STAGE/nowin.tsv"
mkdir -p "$STAGE/nowin/Data"
printf 'This volume holds data only; there is no Windows installation on this disk.\r\n' \
    > "$STAGE/nowin/Data/readme.txt"
printf '%s\t%s\t%s\n' "Data/readme.txt" decoy "generated by build.sh" >> "$STAGE/nowin.tsv"

# --- volumes ---------------------------------------------------------------------
NTFS_SECTORS=4096     # 2 MiB partitions; mkntfs leaves the last sector for the backup boot sector
FAT_SECTORS=2048      # 1 MiB FAT12 volumes
MKNTFS_OPTS=(-F -Q -q -s "$SECTOR" -c 4096 -H 255 -S 63)

make_ntfs() {  # NAME HIDDEN_SECTORS LABEL TREE
    local name=$1 hidden=$2 label=$3 tree=$4 img="$VOLS/$1.ntfs"
    truncate -s $((NTFS_SECTORS * SECTOR)) "$img"
    mkntfs "${MKNTFS_OPTS[@]}" -p "$hidden" -L "$label" "$img" >>"$WORK/log/mkntfs.log" 2>&1
    ntfs_mount "$img" "$WORK/mnt"
    cp -r "$STAGE/$tree/." "$WORK/mnt/"
    ntfs_umount
}
make_fat() {  # NAME HIDDEN_SECTORS LABEL VOLUME_ID
    local img="$VOLS/$1.fat"
    truncate -s $((FAT_SECTORS * SECTOR)) "$img"
    mkfs.fat --invariant -F 12 -S "$SECTOR" -h "$2" -n "$3" -i "$4" "$img" >>"$WORK/log/mkfs.fat.log" 2>&1
}
# place VOLUME_FILE DISK START_SECTOR
place() { dd if="$1" of="$2" bs="$SECTOR" seek="$3" conv=notrunc,sparse status=none; }
# new_disk DISK SECTORS  (sfdisk script on stdin)
new_disk() {
    rm -f "$1"; truncate -s $(($2 * SECTOR)) "$1"
    sfdisk -q --no-reread --no-tell-kernel "$1" >>"$WORK/log/sfdisk.log" 2>&1
}
# remember which staged tree went into which partition: DISK PARTNO TREE
note_tree() { mkdir -p "$META/disks/$1"; printf '%s\t%s\n' "$2" "$3" >> "$META/disks/$1/trees.tsv"; }

# 1. rdsh-image.raw: MBR, p1 NTFS (0x07, active) at 2048
make_ntfs rdsh-main 2048 OS rdsh-main
new_disk "$OUT/rdsh-image.raw" $((2048 + NTFS_SECTORS)) <<EOF
label: dos
unit: sectors
sector-size: $SECTOR

start=2048, size=$NTFS_SECTORS, type=7, bootable
EOF
place "$VOLS/rdsh-main.ntfs" "$OUT/rdsh-image.raw" 2048
note_tree rdsh-image.raw 1 rdsh-main

# 3. two-installs.raw: MBR, p1 NTFS rdsh-image tree, p2 NTFS second install
make_ntfs two-p1 2048 OS rdsh-plain
make_ntfs two-p2 $((2048 + NTFS_SECTORS)) OS2 second
new_disk "$OUT/two-installs.raw" $((2048 + 2 * NTFS_SECTORS)) <<EOF
label: dos
unit: sectors
sector-size: $SECTOR

start=2048, size=$NTFS_SECTORS, type=7, bootable
start=$((2048 + NTFS_SECTORS)), size=$NTFS_SECTORS, type=7
EOF
place "$VOLS/two-p1.ntfs" "$OUT/two-installs.raw" 2048
place "$VOLS/two-p2.ntfs" "$OUT/two-installs.raw" $((2048 + NTFS_SECTORS))
note_tree two-installs.raw 1 rdsh-plain
note_tree two-installs.raw 2 second

# 4. gpt.raw: GPT, p1 ESP (FAT12), p2 MSR (1 MiB, no file system), p3 basic data NTFS
make_fat gpt-esp 2048 ESP 4B1D0001
make_ntfs gpt-p3 6144 OS rdsh-plain
new_disk "$OUT/gpt.raw" $((6144 + NTFS_SECTORS + 2048)) <<EOF
label: gpt
unit: sectors
sector-size: $SECTOR
first-lba: 2048

start=2048, size=$FAT_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
start=4096, size=2048, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name="Microsoft reserved partition"
start=6144, size=$NTFS_SECTORS, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"
EOF
place "$VOLS/gpt-esp.fat" "$OUT/gpt.raw" 2048
place "$VOLS/gpt-p3.ntfs" "$OUT/gpt.raw" 6144
note_tree gpt.raw 3 rdsh-plain

# 5. logical.raw: MBR, p1 FAT (0x06), p2 extended (0x05) at 4096 holding p5 NTFS at 6144
make_fat logical-p1 2048 FATDATA 4B1D0002
make_ntfs logical-p5 6144 OS rdsh-plain
new_disk "$OUT/logical.raw" $((6144 + NTFS_SECTORS)) <<EOF
label: dos
unit: sectors
sector-size: $SECTOR

start=2048, size=$FAT_SECTORS, type=6
start=4096, size=$((2048 + NTFS_SECTORS)), type=5
start=6144, size=$NTFS_SECTORS, type=7
EOF
place "$VOLS/logical-p1.fat" "$OUT/logical.raw" 2048
place "$VOLS/logical-p5.ntfs" "$OUT/logical.raw" 6144
note_tree logical.raw 5 rdsh-plain

# 6. no-windows.raw: MBR, p1 NTFS with Data/readme.txt only, p2 FAT
make_ntfs nowin-p1 2048 DATA nowin
make_fat nowin-p2 $((2048 + NTFS_SECTORS)) FATDATA 4B1D0003
new_disk "$OUT/no-windows.raw" $((2048 + NTFS_SECTORS + FAT_SECTORS)) <<EOF
label: dos
unit: sectors
sector-size: $SECTOR

start=2048, size=$NTFS_SECTORS, type=7
start=$((2048 + NTFS_SECTORS)), size=$FAT_SECTORS, type=6
EOF
place "$VOLS/nowin-p1.ntfs" "$OUT/no-windows.raw" 2048
place "$VOLS/nowin-p2.fat" "$OUT/no-windows.raw" $((2048 + NTFS_SECTORS))
note_tree no-windows.raw 1 nowin

# 7. volume.raw: no partition table: a dd of rdsh-image.raw's partition 1
dd if="$OUT/rdsh-image.raw" of="$OUT/volume.raw" bs="$SECTOR" skip=2048 count="$NTFS_SECTORS" \
   conv=sparse status=none
note_tree volume.raw 0 rdsh-main

# --- 2. images made from rdsh-image.raw ------------------------------------------
# note_image NAME CONTAINER DISK COMMAND...  (runs the command from $OUT and records it)
note_image() {
    local name=$1 container=$2 disk=$3; shift 3
    mkdir -p "$META/images/$name"
    printf '%s\n' "$container" > "$META/images/$name/container"
    printf '%s\n' "$disk" > "$META/images/$name/disk"
    local a q=()
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9._:/=,+-]+$ ]]; then q+=("$a"); else q+=("'$a'"); fi
    done
    printf '%s\n' "${q[*]}" > "$META/images/$name/command"
    (cd "$OUT" && "$@")
}
EWF_FIELDS=(-C "hiveparse-test-0001" -D "hiveparse test image: rdsh-image.raw (synthetic)"
            -e "hiveparse test image" -E "rdsh-image" -N "hiveparse test image; synthetic, no real data"
            -m fixed -M physical -P "$SECTOR")
for d in rdsh-image.raw two-installs.raw gpt.raw logical.raw no-windows.raw volume.raw; do
    mkdir -p "$META/images/$d"; echo raw > "$META/images/$d/container"; echo "$d" > "$META/images/$d/disk"
    echo "see build.sh (mkntfs, sfdisk, dd)" > "$META/images/$d/command"
done

note_image rdsh-image.E01 ewf rdsh-image.raw \
    ewfacquire -u -q -c deflate:best -d sha1 "${EWF_FIELDS[@]}" -t rdsh-image rdsh-image.raw \
    > "$WORK/log/ewfacquire.E01.log"
# 1 MiB (1048576) is ewfacquire's smallest segment size (-S 1048575 silently falls back
# to the default 1.4 GiB); no compression so that the 3 MiB disk needs several segments.
note_image rdsh-image-split.E01 ewf rdsh-image.raw \
    ewfacquire -u -q -c none -S 1048576 -d sha1 "${EWF_FIELDS[@]}" -t rdsh-image-split rdsh-image.raw \
    > "$WORK/log/ewfacquire.split.log"

# Ex01 (EWF2, -f encase7-v2): only kept if this ewfacquire really writes an .Ex01.
mkdir -p "$WORK/x/ex01"
ewfacquire -u -q -c deflate:best -d sha1 "${EWF_FIELDS[@]}" -f encase7-v2 \
    -t "$WORK/x/ex01/rdsh-image" "$OUT/rdsh-image.raw" >"$WORK/x/ex01.out" 2>"$WORK/x/ex01.err" || true
if [[ -f "$WORK/x/ex01/rdsh-image.Ex01" ]] && ewfverify -q "$WORK/x/ex01/rdsh-image.Ex01" >/dev/null 2>&1; then
    note_image rdsh-image.Ex01 ewf rdsh-image.raw \
        ewfacquire -u -q -c deflate:best -d sha1 "${EWF_FIELDS[@]}" -f encase7-v2 -t rdsh-image rdsh-image.raw \
        > "$WORK/log/ewfacquire.Ex01.log"
else
    {
        echo "rdsh-image.Ex01"
        echo "$(ewfacquire -V 2>&1 | head -n1) -f encase7-v2 wrote only: $(cd "$WORK/x/ex01" && ls | paste -sd' ')"
        echo "its stderr: $(paste -sd' ' < "$WORK/x/ex01.err" | sed 's/  */ /g; s/ *$//')"
    } > "$META/skipped.Ex01"
fi

note_image rdsh-image.vhd vpc rdsh-image.raw \
    qemu-img convert -f raw -O vpc -o subformat=dynamic rdsh-image.raw rdsh-image.vhd
note_image rdsh-image-fixed.vhd vpc rdsh-image.raw \
    qemu-img convert -f raw -O vpc -o subformat=fixed rdsh-image.raw rdsh-image-fixed.vhd
note_image rdsh-image.vhdx vhdx rdsh-image.raw \
    qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M rdsh-image.raw rdsh-image.vhdx
note_image rdsh-image.vmdk vmdk rdsh-image.raw \
    qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse rdsh-image.raw rdsh-image.vmdk
note_image rdsh-image-split.vmdk vmdk rdsh-image.raw \
    qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse rdsh-image.raw rdsh-image-split.vmdk
note_image rdsh-image-flat.vmdk vmdk rdsh-image.raw \
    qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat rdsh-image.raw rdsh-image-flat.vmdk
note_image rdsh-image-stream.vmdk vmdk rdsh-image.raw \
    qemu-img convert -f raw -O vmdk -o subformat=streamOptimized rdsh-image.raw rdsh-image-stream.vmdk
mkdir -p "$META/images/rdsh-image-split.001"
note_image rdsh-image-split.001 split-raw rdsh-image.raw \
    split --verbose -b 1M -a 3 --numeric-suffixes=1 rdsh-image.raw rdsh-image-split. \
    > "$META/images/rdsh-image-split.001/split.out"

# --- checks and facts for the manifest -------------------------------------------
cd "$OUT"
RAW_SIZE=$(stat -c %s rdsh-image.raw)

for d in $(ls "$META/images"); do
    m="$META/images/$d"; c=$(cat "$m/container")
    case "$c" in
      raw|vpc|vhdx|vmdk)
        qemu-img info --output=json "$d" > "$m/qemu-probe.json"
        qemu-img info --output=json -f "$c" "$d" > "$m/qemu-info.json"
        rc=0; qemu-img check -q -f "$c" "$d" > "$m/qemu-check.txt" 2>&1 || rc=$?
        [[ $rc -eq 0 || $rc -eq 63 ]] || die "qemu-img check failed on $d: $(cat "$m/qemu-check.txt")"
        echo "$rc" > "$m/qemu-check.rc"     # 63: the format does not support checks
        qemu-img convert -f "$c" -O raw "$d" "$WORK/x/virtual.raw"
        sha256sum "$WORK/x/virtual.raw" | cut -d' ' -f1 > "$m/virtual.sha256"
        rm -f "$WORK/x/virtual.raw"
        if [[ "$(cat "$m/disk")" == rdsh-image.raw ]]; then
            qemu-img compare -f raw -F "$c" rdsh-image.raw "$d" > "$m/compare.txt" 2>&1 \
                || die "qemu-img compare: $d differs from rdsh-image.raw: $(cat "$m/compare.txt")"
        fi
        ;;
      ewf)
        ewfinfo -d iso8601 -f dfxml "$d" > "$m/ewfinfo.xml"
        ewfinfo "$d" > "$m/ewfinfo.txt"
        ewfverify -q -d sha1 "$d" > "$m/ewfverify.txt" 2>&1 || die "ewfverify failed on $d"
        grep -q 'ewfverify: SUCCESS' "$m/ewfverify.txt" || die "ewfverify did not succeed on $d"
        qemu-img info --output=json "$d" > "$m/qemu-probe.json"
        rm -f "$WORK/x/virtual.raw" "$WORK/x/virtual.raw.info"
        ewfexport -u -q -f raw -t "$WORK/x/virtual" "$d" > "$m/ewfexport.txt" 2>&1
        grep -q 'ewfexport: SUCCESS' "$m/ewfexport.txt" || die "ewfexport failed on $d"
        cmp "$WORK/x/virtual.raw" rdsh-image.raw || die "ewfexport of $d differs from rdsh-image.raw"
        sha256sum "$WORK/x/virtual.raw" | cut -d' ' -f1 > "$m/virtual.sha256"
        echo "ewfexport output identical to rdsh-image.raw (cmp)" > "$m/compare.txt"
        rm -f "$WORK/x/virtual.raw" "$WORK/x/virtual.raw.info"
        ;;
      split-raw)
        sed -n "s/^creating file '\(.*\)'$/\1/p" "$m/split.out" > "$m/segments.txt"
        [[ -s "$m/segments.txt" ]] || die "split listed no files"
        qemu-img info --output=json "$(head -n1 "$m/segments.txt")" > "$m/qemu-probe.json"
        # shellcheck disable=SC2046
        cat $(cat "$m/segments.txt") > "$WORK/x/virtual.raw"
        cmp "$WORK/x/virtual.raw" rdsh-image.raw || die "split raw differs from rdsh-image.raw"
        sha256sum "$WORK/x/virtual.raw" | cut -d' ' -f1 > "$m/virtual.sha256"
        echo "concatenated segments identical to rdsh-image.raw (cmp)" > "$m/compare.txt"
        rm -f "$WORK/x/virtual.raw"
        ;;
      *) die "unknown container $c" ;;
    esac
done

# Every partition / volume of every raw disk: extracted with dd from the final disk,
# identified with blkid, NTFS ones read with ntfsinfo and mounted read-only with ntfs-3g.
inspect_volume() {  # DISK PARTNO START_SECTOR SIZE_SECTORS
    local disk=$1 n=$2 start=$3 size=$4
    local pm="$META/disks/$disk/p$n" vol="$WORK/x/$disk.p$n"
    mkdir -p "$pm"
    dd if="$OUT/$disk" of="$vol" bs="$SECTOR" skip="$start" count="$size" status=none
    sha256sum "$vol" | cut -d' ' -f1 > "$pm/sha256"
    blkid -p -o export "$vol" | grep -v '^DEVNAME=' > "$pm/blkid.txt" || true
    if grep -qx 'TYPE=ntfs' "$pm/blkid.txt"; then
        ntfsinfo -m "$vol" > "$pm/ntfsinfo-m.txt"
        ntfsinfo -v -i 0 "$vol" > "$pm/ntfsinfo-mft.txt"      # $MFT itself: where the records are
        ntfs_mount "$vol" "$WORK/mnt" ro
        (cd "$WORK/mnt" && find . -mindepth 1 -type f -printf '%P\t%s\t%i\n' | sort) > "$pm/files.tsv"
        (cd "$WORK/mnt" && find . -mindepth 1 -type d -printf '%P\t%i\n' | sort) > "$pm/dirs.tsv"
        (cd "$WORK/mnt" && find . -mindepth 1 -type f -printf '%P\0' | sort -z | xargs -0 -r sha256sum) > "$pm/sha256sums.txt"
        while IFS=$'\t' read -r p _; do
            (cd "$WORK/mnt/$p" && ls -A | sort) > "$pm/dir.$(echo "$p" | tr '/' '|')"
        done < "$pm/dirs.tsv"
        local tree
        tree=$(awk -F'\t' -v n="$n" '$1 == n {print $2}' "$META/disks/$disk/trees.tsv")
        [[ -n "$tree" ]] || die "$disk p$n: NTFS volume with no staged tree"
        diff -r "$STAGE/$tree" "$WORK/mnt" > "$pm/diff.txt" \
            || die "$disk p$n differs from staged tree $tree: $(cat "$pm/diff.txt")"
        while IFS=$'\t' read -r p _ src; do
            [[ "$src" == samples/* ]] || continue
            cmp -s "$ROOT/$src" "$WORK/mnt/$p" || die "$disk p$n: $p differs from $src"
        done < "$STAGE/$tree.tsv"
        cp "$STAGE/$tree.tsv" "$pm/sources.tsv"; echo "$tree" > "$pm/tree"
        ntfs_umount
        mkdir -p "$pm/ntfsinfo"
        while IFS=$'\t' read -r p _; do
            ntfsinfo -v -F "/$p" "$vol" > "$pm/ntfsinfo/$(echo "$p" | tr '/' '|')"
        done < <(cat "$pm/files.tsv" "$pm/dirs.tsv")
        [[ "$(sha256sum "$vol" | cut -d' ' -f1)" == "$(cat "$pm/sha256")" ]] \
            || die "$disk p$n changed while being read"
    fi
    rm -f "$vol"
}
for d in rdsh-image.raw two-installs.raw gpt.raw logical.raw no-windows.raw volume.raw; do
    dm="$META/disks/$d"; mkdir -p "$dm"
    blkid -p -o export "$d" | grep -v '^DEVNAME=' > "$dm/blkid.txt" || true
    # NB: sfdisk reads an NTFS boot sector (55 AA at 510) as an empty "dos" table,
    # so volume.raw gets a table with no partitions; it is kept in the manifest as is.
    if ! sfdisk --json "$d" > "$dm/sfdisk.json" 2> "$dm/sfdisk.err"; then
        rm -f "$dm/sfdisk.json"
    fi
    if [[ -f "$dm/sfdisk.json" ]] && [[ $(jq '.partitiontable.partitions // [] | length' "$dm/sfdisk.json") -gt 0 ]]; then
        while IFS=$'\t' read -r n start size type; do
            case "$type" in 5|f|85) continue ;; esac      # extended container: no file system
            inspect_volume "$d" "$n" "$start" "$size"
        done < <(jq -r '.partitiontable as $t | $t.partitions[] |
                        [(.node | ltrimstr($t.device)), .start, .size, .type] | @tsv' "$dm/sfdisk.json")
    else
        inspect_volume "$d" 0 0 $(( $(stat -c %s "$d") / SECTOR ))
    fi
done

# Tool versions
{
    printf 'qemu-img\t%s\n'   "$(qemu-img --version | head -n1)"
    printf 'ewfacquire\t%s\n' "$(ewfacquire -V 2>&1 | head -n1)"
    printf 'ewfinfo\t%s\n'    "$(ewfinfo -V 2>&1 | head -n1)"
    printf 'ewfverify\t%s\n'  "$(ewfverify -V 2>&1 | head -n1)"
    printf 'ewfexport\t%s\n'  "$(ewfexport -V 2>&1 | head -n1)"
    printf 'mkntfs\t%s\n'     "$(mkntfs --version 2>&1 | grep -m1 '^mkntfs')"
    printf 'ntfs-3g\t%s\n'    "$(ntfs-3g --version 2>&1 | head -n1)"
    printf 'ntfsinfo\t%s\n'   "$(ntfsinfo -V 2>&1 | grep -m1 ntfsinfo)"
    printf 'sfdisk\t%s\n'     "$(sfdisk --version)"
    printf 'blkid\t%s\n'      "$(blkid -V)"
    printf 'mkfs.fat\t%s\n'   "$(mkfs.fat --help 2>&1 | grep -m1 '^mkfs.fat')"
    printf 'split\t%s\n'      "$(split --version | head -n1)"
} > "$META/tools.tsv"
if command -v dpkg-query >/dev/null; then
    dpkg-query -W -f '${Package}\t${Version}\n' ntfs-3g ewf-tools qemu-utils fdisk util-linux \
        dosfstools coreutils > "$META/packages.tsv" 2>/dev/null || true
fi
printf '%s\n' "$SECOND" > "$META/second"

# --- MANIFEST.json ---------------------------------------------------------------------
python3 - "$OUT" "$META" "$SECTOR" "$RDSH" <<'PY'
import datetime, hashlib, json, os, re, sys
import xml.etree.ElementTree as ET

out, meta, sector, rdsh = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()

def tsv(p):
    if not os.path.exists(p):
        return []
    return [l.split("\t") for l in read(p).splitlines() if l]

def digest(path, algo="sha256"):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def file_entry(name):
    p = os.path.join(out, name)
    return {"name": name, "size": os.path.getsize(p), "sha256": digest(p)}

def num(s):
    return int(s, 0)

def parse_ntfsinfo_file(text):
    """ntfsinfo -v -F output -> dict (values exactly as ntfsinfo prints them)."""
    r = {}
    m = re.search(r"^Dumping Inode (\d+)", text, re.M)
    r["mft_record"] = int(m.group(1))
    m = re.search(r"^MFT Record Seq\. Numb\.:\s+(\d+)", text, re.M)
    r["mft_sequence"] = int(m.group(1))
    m = re.search(r"^MFT Record Flags:\s+(.*)$", text, re.M)
    r["mft_flags"] = m.group(1).split()
    sections = re.split(r"^Dumping attribute ", text, flags=re.M)[1:]
    for s in sections:
        head = s.splitlines()[0]
        if head.startswith("$FILE_NAME") and "parent_mft_record" not in r:
            r["parent_mft_record"] = int(re.search(r"Parent directory:\s+(\d+)", s).group(1))
            r["file_name_namespace"] = re.search(r"Namespace:\s+(\S+)", s).group(1)
            r["file_name"] = re.search(r"Filename:\s+'(.*)'", s).group(1)
        if head.startswith("$DATA") and "data_resident" not in r:
            r["data_resident"] = re.search(r"Resident:\s+(\w+)", s).group(1) == "Yes"
            r["data_size"] = int(re.search(r"Data size:\s+(\d+)", s).group(1))
            runs = []
            lines = s.splitlines()
            for i, l in enumerate(lines):
                if l.strip().startswith("Runlist:"):
                    for l2 in lines[i + 1:]:
                        f = l2.split()
                        if len(f) != 3:
                            break
                        lcn = None if "HOLE" in f[1] else num(f[1])
                        runs.append({"vcn": num(f[0]), "lcn": lcn, "clusters": num(f[2])})
            if not r["data_resident"]:
                r["data_runs"] = runs
    return r

def parse_ntfsinfo_m(text):
    kv = {}
    for l in text.splitlines():
        m = re.match(r"^\t([^:\t]+):\s*(.*)$", l)
        if m and m.group(1) not in kv:
            kv[m.group(1)] = m.group(2).strip()
    return {
        "volume_name": kv.get("Volume Name"),
        "volume_version": kv.get("Volume Version"),
        "sector_size": int(kv["Sector Size"]),
        "cluster_size": int(kv["Cluster Size"]),
        "index_block_size": int(kv["Index Block Size"]),
        "volume_size_clusters": int(kv["Volume Size in Clusters"]),
        "mft_record_size": int(kv["MFT Record Size"]),
        "mft_lcn": int(kv["LCN of Data Attribute for FILE_MFT"]),
        "mftmirr_lcn": int(kv["LCN of Data Attribute for File_MFTMirr"]),
    }

def fixed_up_record(disk, off, size):
    with open(disk, "rb") as fh:
        fh.seek(off)
        rec = bytearray(fh.read(size))
    if rec[:4] != b"FILE":
        sys.exit("no FILE record at disk offset %d of %s" % (off, disk))
    usa_off = int.from_bytes(rec[4:6], "little")
    usa_cnt = int.from_bytes(rec[6:8], "little")
    usn = rec[usa_off:usa_off + 2]
    for i in range(1, usa_cnt):
        end = i * 512
        if rec[end - 2:end] != usn:
            sys.exit("bad fixup in record at disk offset %d of %s" % (off, disk))
        rec[end - 2:end] = rec[usa_off + 2 * i:usa_off + 2 * i + 2]
    return bytes(rec)

def verify_on_disk(disk, vol, record_size):
    """Cross-check the ntfsinfo numbers against the raw bytes of the disk file."""
    for x in vol["files"] + vol["directories"]:
        rec = fixed_up_record(disk, x["mft_record_disk_offset"], record_size)
        if int.from_bytes(rec[0x2C:0x30], "little") not in (0, x["mft_record"]):
            sys.exit("%s: record number mismatch at %s" % (disk, x["path"]))
    for f in vol["files"]:
        if f["data_resident"]:
            rec = fixed_up_record(disk, f["mft_record_disk_offset"], record_size)
            want = None
            # find the unnamed $DATA attribute (type 0x80) and take its resident value
            pos = int.from_bytes(rec[0x14:0x16], "little")
            while pos + 8 <= len(rec):
                atype = int.from_bytes(rec[pos:pos + 4], "little")
                alen = int.from_bytes(rec[pos + 4:pos + 8], "little")
                if atype == 0xFFFFFFFF or alen == 0:
                    break
                if atype == 0x80 and rec[pos + 9] == 0:
                    vlen = int.from_bytes(rec[pos + 0x10:pos + 0x14], "little")
                    voff = int.from_bytes(rec[pos + 0x14:pos + 0x16], "little")
                    want = rec[pos + voff:pos + voff + vlen]
                    break
                pos += alen
            data = want
        else:
            chunks = []
            with open(disk, "rb") as fh:
                for e in f["data_disk_extents"]:
                    fh.seek(e["offset"])
                    chunks.append(fh.read(e["length"]))
            data = b"".join(chunks)[:f["size"]]
        if data is None or hashlib.sha256(data).hexdigest() != f["sha256"]:
            sys.exit("%s: bytes of %s on disk do not match its sha256" % (disk, f["path"]))

def blkid(p):
    d = {}
    for l in read(p).splitlines():
        if "=" in l:
            k, v = l.split("=", 1)
            d[k] = v
    return d

# ---- disks: partition tables and volumes ----
disks = {}
for d in sorted(os.listdir(os.path.join(meta, "disks"))):
    dm = os.path.join(meta, "disks", d)
    path = os.path.join(out, d)
    entry = {
        "size": os.path.getsize(path),
        "sha256": digest(path), "sha1": digest(path, "sha1"), "md5": digest(path, "md5"),
        "blkid": blkid(os.path.join(dm, "blkid.txt")),
        "partition_table": None, "partitions": [], "volumes": [],
    }
    parts = []
    sj = os.path.join(dm, "sfdisk.json")
    if os.path.exists(sj):
        pt = json.loads(read(sj))["partitiontable"]
        dev = pt["device"]
        table = {k: v for k, v in pt.items() if k not in ("partitions", "device")}
        entry["partition_table"] = table
        for p in pt.get("partitions", []):
            q = dict(p)
            q["number"] = int(p["node"][len(dev):])
            q.pop("node")
            q["offset"] = p["start"] * pt["sectorsize"]
            q["size_bytes"] = p["size"] * pt["sectorsize"]
            q["extended_container"] = table["label"] == "dos" and p["type"] in ("5", "f", "85")
            parts.append(q)
    entry["partitions"] = parts
    entry["whole_file_is_volume"] = not parts
    numbers = [(q["number"], q["offset"], q["size_bytes"]) for q in parts if not q["extended_container"]]
    if not parts:       # no partition table, or one without partitions: the whole file
        numbers = [(0, 0, entry["size"])]
    for n, offset, size in numbers:
        pm = os.path.join(dm, "p%d" % n)
        b = blkid(os.path.join(pm, "blkid.txt"))
        vol = {
            "partition_number": n if n else None,
            "offset": offset, "size": size,
            "sha256": read(os.path.join(pm, "sha256")).strip(),
            "filesystem": b.get("TYPE"),
            "blkid": b,
        }
        if b.get("TYPE") == "ntfs":
            info = parse_ntfsinfo_m(read(os.path.join(pm, "ntfsinfo-m.txt")))
            cs = info["cluster_size"]
            mft = parse_ntfsinfo_file(read(os.path.join(pm, "ntfsinfo-mft.txt")))
            if mft["mft_record"] != 0 or mft["data_resident"]:
                sys.exit("%s: unexpected $MFT dump" % d)
            info["mft_data_runs"] = mft["data_runs"]
            vol["ntfs"] = info
            def record_offset(rec):
                pos = rec * info["mft_record_size"]
                for r in mft["data_runs"]:
                    lo, n = r["vcn"] * cs, r["clusters"] * cs
                    if lo <= pos < lo + n:
                        return offset + r["lcn"] * cs + (pos - lo)
                sys.exit("%s: record %d not in $MFT runs" % (d, rec))
            vol["tree"] = read(os.path.join(pm, "tree")).strip()
            sources = {r[0]: (r[1], r[2]) for r in tsv(os.path.join(pm, "sources.tsv"))}
            sums = {}
            for l in read(os.path.join(pm, "sha256sums.txt")).splitlines():
                h, p = l.split("  ", 1)
                sums[p] = h
            files = []
            for p, size_s, ino in tsv(os.path.join(pm, "files.tsv")):
                fi = parse_ntfsinfo_file(read(os.path.join(pm, "ntfsinfo", p.replace("/", "|"))))
                if fi["mft_record"] != int(ino):
                    sys.exit("%s %s: ntfsinfo record %s != ntfs-3g inode %s" % (d, p, fi["mft_record"], ino))
                if fi["data_size"] != int(size_s):
                    sys.exit("%s %s: ntfsinfo size %s != ntfs-3g size %s" % (d, p, fi["data_size"], size_s))
                role, src = sources.get(p, (None, None))
                if role is None:
                    sys.exit("%s %s: file not in the staged tree" % (d, p))
                f = {"path": p, "role": role, "source": src, "size": int(size_s), "sha256": sums[p]}
                f.update({k: v for k, v in fi.items() if k != "data_size"})
                f["mft_record_disk_offset"] = record_offset(fi["mft_record"])
                if not fi["data_resident"]:
                    f["data_disk_extents"] = [
                        {"offset": offset + r["lcn"] * cs, "length": r["clusters"] * cs}
                        for r in fi["data_runs"] if r["lcn"] is not None]
                files.append(f)
            missing = set(sources) - {f["path"] for f in files}
            if missing:
                sys.exit("%s: staged files missing from volume: %s" % (d, sorted(missing)))
            dirs = []
            for p, ino in tsv(os.path.join(pm, "dirs.tsv")):
                fi = parse_ntfsinfo_file(read(os.path.join(pm, "ntfsinfo", p.replace("/", "|"))))
                if fi["mft_record"] != int(ino):
                    sys.exit("%s %s: ntfsinfo record != ntfs-3g inode" % (d, p))
                entries = read(os.path.join(pm, "dir." + p.replace("/", "|"))).splitlines()
                dirs.append({"path": p, "mft_record": fi["mft_record"],
                             "mft_record_disk_offset": record_offset(fi["mft_record"]),
                             "mft_sequence": fi["mft_sequence"],
                             "parent_mft_record": fi["parent_mft_record"],
                             "entries": entries})
            vol["files"] = files
            vol["directories"] = dirs
            verify_on_disk(path, vol, info["mft_record_size"])
        entry["volumes"].append(vol)
    disks[d] = entry

# ---- images ----
images, skipped = [], []
order = ["rdsh-image.raw", "rdsh-image.E01", "rdsh-image-split.E01", "rdsh-image.Ex01",
         "rdsh-image.vhd", "rdsh-image-fixed.vhd", "rdsh-image.vhdx", "rdsh-image.vmdk",
         "rdsh-image-split.vmdk", "rdsh-image-flat.vmdk", "rdsh-image-stream.vmdk",
         "rdsh-image-split.001", "two-installs.raw", "gpt.raw", "logical.raw",
         "no-windows.raw", "volume.raw"]
names = os.listdir(os.path.join(meta, "images"))
for name in sorted(names, key=lambda n: order.index(n) if n in order else 99):
    im = os.path.join(meta, "images", name)
    container = read(os.path.join(im, "container")).strip()
    e = {"name": name, "container": container,
         "disk": read(os.path.join(im, "disk")).strip(),
         "build_command": read(os.path.join(im, "command")).strip()}
    probe = json.loads(read(os.path.join(im, "qemu-probe.json")))
    e["qemu_img_probed_format"] = probe["format"]
    if container in ("raw", "vpc", "vhdx", "vmdk"):
        info = json.loads(read(os.path.join(im, "qemu-info.json")))
        e["format"] = info["format"]
        e["virtual_size"] = info["virtual-size"]
        e["virtual_size_source"] = "qemu-img info virtual-size"
        fnames = [name]
        fs = info.get("format-specific", {})
        if fs.get("type") == "vmdk":
            e["vmdk_create_type"] = fs["data"]["create-type"]
            for x in fs["data"]["extents"]:
                if x["filename"] not in fnames:
                    fnames.append(x["filename"])
        info.pop("actual-size", None)    # host allocation (sparseness), not a property of the image
        e["qemu_img_info"] = info
        e["qemu_img_check_rc"] = int(read(os.path.join(im, "qemu-check.rc")))
    elif container == "ewf":
        root = ET.fromstring(read(os.path.join(im, "ewfinfo.xml")))
        ei = root.find("ewfinfo")
        fnames = [x.text for x in ei.find("image_filenames")]
        acq = {c.tag: c.text for c in ei.find("acquiry_information")}
        ewf = {c.tag: c.text for c in ei.find("ewf_information")}
        med = {c.tag: c.text for c in ei.find("media_information")}
        hashes = {h.get("type"): h.text for h in ei.findall("hashdigest")}
        e["format"] = ewf["file_format"]
        e["virtual_size"] = int(med["media_size"])
        e["virtual_size_source"] = "ewfinfo media_size"
        vtext = read(os.path.join(im, "ewfverify.txt"))
        def grab(label):
            m = re.search(r"^" + re.escape(label) + r":\s+(\S+)", vtext, re.M)
            return m.group(1) if m else None
        e["ewf"] = {
            "segment_files": fnames,
            "stored_md5": hashes.get("md5"), "stored_sha1": hashes.get("sha1"),
            "media_size": int(med["media_size"]),
            "bytes_per_sector": int(med["bytes_per_sector"]),
            "number_of_sectors": int(med["number_of_sectors"]),
            "media_type": med.get("media_type"), "is_physical": med.get("is_physical"),
            "sectors_per_chunk": int(ewf["sectors_per_chunk"]),
            "compression_method": ewf.get("compression_method"),
            "compression_level": ewf.get("compression_level"),
            "acquiry_information": acq,
            "ewfverify": {
                "md5_stored": grab("MD5 hash stored in file"),
                "md5_calculated": grab("MD5 hash calculated over data"),
                "sha1_stored": grab("SHA1 hash stored in file"),
                "sha1_calculated": grab("SHA1 hash calculated over data"),
                "result": "SUCCESS" if "ewfverify: SUCCESS" in vtext else "FAILURE",
            },
        }
    elif container == "split-raw":
        fnames = read(os.path.join(im, "segments.txt")).split()
        e["format"] = probe["format"]
        e["virtual_size"] = sum(os.path.getsize(os.path.join(out, f)) for f in fnames)
        e["virtual_size_source"] = "sum of the segment sizes"
        e["segment_files"] = fnames
    e["files"] = [file_entry(f) for f in fnames]
    e["virtual_disk_sha256"] = read(os.path.join(im, "virtual.sha256")).strip()
    cmpf = os.path.join(im, "compare.txt")
    e["compare_with_disk"] = read(cmpf).strip() if os.path.exists(cmpf) else None
    images.append(e)

sk = os.path.join(meta, "skipped.Ex01")
if os.path.exists(sk):
    lines = read(sk).splitlines()
    skipped.append({"name": lines[0], "reason": "; ".join(lines[1:])})

# cross-checks between tools
raw = disks["rdsh-image.raw"]
for e in images:
    if e["container"] == "ewf":
        w = e["ewf"]
        assert w["stored_md5"] == raw["md5"] and w["stored_sha1"] == raw["sha1"], e["name"]
        assert w["media_size"] == raw["size"], e["name"]
    if e["disk"] == "rdsh-image.raw" and e["container"] in ("ewf", "split-raw"):
        assert e["virtual_disk_sha256"] == raw["sha256"], e["name"]
assert disks["volume.raw"]["sha256"] == raw["volumes"][0]["sha256"]

manifest = {
    "manifest_version": 1,
    "generator": "tests/data/images/build.sh",
    "generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "sector_size": sector,
    "samples": {"first_install": "samples/%s" % rdsh,
                "second_install": "samples/%s" % read(os.path.join(meta, "second")).strip()},
    "tools": {k: v for k, v in tsv(os.path.join(meta, "tools.tsv"))},
    "packages": {k: v for k, v in tsv(os.path.join(meta, "packages.tsv"))},
    "images": images,
    "skipped": skipped,
    "disks": disks,
}
with open(os.path.join(out, "MANIFEST.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=1, sort_keys=False)
    f.write("\n")
PY

# --- samples untouched? then move the results in ---------------------------------------
sample_hashes > "$WORK/samples.after"
cmp -s "$WORK/samples.before" "$WORK/samples.after" || die "samples/ changed during the build"

cd "$HERE"
shopt -s nullglob
for old in ./*.raw ./*.E0[0-9] ./*.E[1-9][0-9] ./*.Ex01 ./*.Ex0[2-9] ./*.vhd ./*.vhdx ./*.vmdk \
           ./rdsh-image-split.[0-9][0-9][0-9] ./MANIFEST.json; do
    rm -f -- "$old"
done
shopt -u nullglob
mv -f -- "$OUT"/* "$HERE/"
echo "build.sh: results in $HERE:"
(cd "$HERE" && ls -l --block-size=1 | sed 1d && du -sh --apparent-size . && du -sh .)
