#!/usr/bin/env bash
# Make throw-away SoftHSMv2 token(s) for demos, rehearsals and tests: their own SOFTHSM2_CONF and
# token directory, nothing shared with the system's SoftHSM.
#
#   eval "$(scripts/softhsm-token.sh [--dir DIR] [LABEL ...])"
#
# DIR defaults to a new temporary directory; LABEL defaults to "signet-test" (several labels make
# several tokens). PINs: SIGNET_PIN (user, default 1234) and SIGNET_SO_PIN (security officer,
# default 12345678) — for throw-away tokens only. Prints the export lines on stdout.
set -euo pipefail

dir=""
labels=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) labels+=("$1"); shift ;;
    esac
done
[ ${#labels[@]} -gt 0 ] || labels=("signet-test")
[ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/signet-softhsm.XXXXXX")"
mkdir -p "$dir/tokens"
dir="$(cd "$dir" && pwd)"

module="${SIGNET_PKCS11_MODULE:-}"
if [ -z "$module" ]; then
    for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
        if [ -e "$m" ]; then module="$m"; break; fi
    done
fi
[ -n "$module" ] || { echo "softhsm-token.sh: SoftHSMv2 not installed (apt-get install softhsm2)" >&2; exit 1; }
command -v softhsm2-util >/dev/null || { echo "softhsm-token.sh: softhsm2-util not found (apt-get install softhsm2)" >&2; exit 1; }

cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF

user_pin="${SIGNET_PIN:-1234}"
so_pin="${SIGNET_SO_PIN:-12345678}"
for label in "${labels[@]}"; do
    SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --init-token --free --label "$label" \
        --so-pin "$so_pin" --pin "$user_pin" >&2
done

echo "export SOFTHSM2_CONF='$dir/softhsm2.conf'"
echo "export SIGNET_PKCS11_MODULE='$module'"
echo "export SIGNET_PIN='$user_pin'  # throw-away token only"
echo "export SIGNET_SO_PIN='$so_pin'  # throw-away token only"
