#!/usr/bin/env bash
# A whole rehearsal key ceremony on throw-away SoftHSMv2 tokens, non-interactive (--yes):
# token list, keygen, DS, backup split-key / export, restore into a second token, backup verify,
# transcript verify; then the offline-KSK quarterly cycle: signer init (anchored on the new KSK),
# ZSK planning and KSR (signer ksr), ceremony sign-ksr on the token, signer import-skr, signer sign
# now and as at the period's last day, verification. Exits non-zero at the first step that fails.
#
#   scripts/rehearsal.sh [--dir DIR] [--zone ZONE] [--algorithm 8|13|14|15]
#
# The user PIN comes from SIGNET_PIN (default 1234 for the throw-away tokens), the SO PIN from
# SIGNET_SO_PIN (default 12345678). The `ceremony` binary is $CEREMONY, else target/release or
# target/debug of this workspace (built if missing); the `signer` binary is $SIGNER, else built
# with cargo (a no-op when up to date).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir=""
zone="example.com."
algorithm=13
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir="$2"; shift 2 ;;
        --zone) zone="$2"; shift 2 ;;
        --algorithm) algorithm="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "rehearsal.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/signet-rehearsal.XXXXXX")"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

ceremony="${CEREMONY:-}"
if [ -z "$ceremony" ]; then
    for c in "$here/target/release/ceremony" "$here/target/debug/ceremony"; do
        if [ -x "$c" ]; then ceremony="$c"; break; fi
    done
fi
if [ -z "$ceremony" ]; then
    (cd "$here" && cargo build -q -p ceremony --bin ceremony)
    ceremony="$here/target/debug/ceremony"
fi

signer="${SIGNER:-}"
if [ -z "$signer" ]; then
    (cd "$here" && cargo build -q -p signer --bin signer)
    signer="$here/target/debug/signer"
fi

export SIGNET_PIN="${SIGNET_PIN:-1234}"
export SIGNET_SO_PIN="${SIGNET_SO_PIN:-12345678}"
eval "$("$here/scripts/softhsm-token.sh" --dir "$dir/hsm" ksk-primary ksk-spare)"
cd "$dir"
transcript="$dir/ceremony-transcript.jsonl"
step() { echo; echo "=== $*"; }
c() { "$ceremony" --transcript "$transcript" --yes "$@"; }

step "1. tokens present"
c token list

step "2. generate the KSK on the primary token"
c --token ksk-primary keygen --zone "$zone" --label ksk --algorithm "$algorithm"

step "3. DNSKEY and DS (read aloud: key tag and DS digest words)"
c --token ksk-primary ds --zone "$zone" --label ksk --output ksk.key

step "4. backup: wrapping key split 3-of-5 among custodians"
mkdir -p shares
c --token ksk-primary backup split-key --shares 5 --threshold 3 --out-dir shares

step "5. backup: export the KSK wrapped"
c --token ksk-primary backup export --label ksk --output ksk.backup

step "6. restore into the spare token from shares 1, 3 and 5"
c --token ksk-spare restore --input ksk.backup \
    --share shares/share-1-of-5.json --share shares/share-3-of-5.json --share shares/share-5-of-5.json

step "7. prove the restored key is the KSK"
c --token ksk-spare backup verify --zone "$zone" --label ksk --dnskey ksk.key

step "8. keys on the spare token"
c --token ksk-spare keys list --zone "$zone"

step "9. transcript"
"$ceremony" --transcript "$transcript" transcript verify

# --- The quarterly offline-KSK cycle (docs/ceremony.md, docs/keybundles.md) ---
s() { "$signer" --config "$dir/signer/signer.toml" "$@"; }
cat > zone.db <<ZONE
\$ORIGIN $zone
\$TTL 3600
@    IN SOA ns1 hostmaster 2026010101 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.2
     IN AAAA 2001:db8::2
ZONE

step "10. online: an offline-KSK signer for $zone, anchored on the KSK's DNSKEY"
"$signer" init --origin "$zone" --dir signer --trust-anchor ksk.key --zone zone.db

step "11. online: plan the ZSKs and write the KSR for the next 120 days (its hash is read out)"
s ksr --to +120d --output q1.ksr
sha256sum q1.ksr

step "12. ceremony: check the KSR, show its bundles and hash, sign them on the token"
c --token ksk-primary sign-ksr q1.ksr --zone "$zone" --ksk ksk --output q1.skr

step "13. online: import the SKR"
s import-skr q1.skr
s bundles status

step "14. online: sign now and as at the period's last day; verify each"
for days in 0 119; do
    s --now "+${days}d" sign --output "signed-day$days.zone"
    "$signer" --now "+${days}d" verify --origin "$zone" "signed-day$days.zone"
    if command -v ldns-verify-zone >/dev/null; then
        ldns-verify-zone -k ksk.key -t "+$((days * 86400))" "signed-day$days.zone"
    fi
done

step "15. transcript"
"$ceremony" --transcript "$transcript" transcript verify

echo
echo "rehearsal complete: $dir (transcript $transcript)"
