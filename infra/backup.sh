#!/usr/bin/env bash
# Backs up the RGrid control plane (the seed's Backup section): the database (pg_dump), the
# bucket (a mirror of every object, infra/s3mirror.py) and the configuration (a tar archive).
#
# Usage: infra/backup.sh [--env FILE] [--out DIR] [--config PATH]...
#   --env FILE     the control plane's .env: DATABASE_URL, MINIO_* (default /opt/rgrid/.env)
#   --out DIR      where the backup directory is created (default /var/backups/rgrid)
#   --config PATH  a file or directory to put in the configuration archive (repeatable; default:
#                  the .env, /opt/rgrid/infra/hetzner_worker.key(.pub), /etc/rgrid, the nginx site)
#
# Writes DIR/rgrid-backup-<UTC time>/ with database.sql (plain SQL, no owners or grants, so it
# restores into any empty database), bucket/ (one file per object, named by its key, whatever the
# layout: attempts under runs and those stored before runs, docs/architecture.md),
# config.tar.gz and MANIFEST. Prints the directory on stdout (progress goes to stderr). Restore with infra/restore.sh.
# The database dump is one consistent snapshot; objects written during the mirror may or may not
# be in it (an execution's outputs are written before its SUCCEEDED row, so a restored SUCCEEDED
# execution has its outputs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=infra/backup-common.sh
. "$here/backup-common.sh"

env_file=/opt/rgrid/.env
out=/var/backups/rgrid
configs=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --env) env_file=${2:?--env needs a file}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --config) configs+=("${2:?--config needs a path}"); shift 2 ;;
        -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
load_env "$env_file"
if [[ ${#configs[@]} -eq 0 ]]; then
    configs=("$env_file" /opt/rgrid/infra/hetzner_worker.key /opt/rgrid/infra/hetzner_worker.key.pub
        /etc/rgrid /etc/nginx/sites-available/rgrid)
fi

umask 077
dir=$out/rgrid-backup-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dir.partial"

echo "backup: database $(redacted_db_url)" >&2
PGPASSWORD=$DB_PASSWORD pg_dump --no-owner --no-privileges --quote-all-identifiers \
    --host "$DB_HOST" --port "$DB_PORT" --username "$DB_USER" --dbname "$DB_NAME" \
    --file "$dir.partial/database.sql"

echo "backup: bucket $S3_BUCKET at $S3_ENDPOINT" >&2
mkdir -p "$dir.partial/bucket"
python3 "$here/s3mirror.py" download "$S3_ENDPOINT" "$S3_BUCKET" "$dir.partial/bucket" >&2

existing=()
for path in "${configs[@]}"; do
    if [[ -e $path ]]; then existing+=("$path"); else echo "backup: (no $path, skipped)" >&2; fi
done
tar -czf "$dir.partial/config.tar.gz" --absolute-names "${existing[@]}"

{
    echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "database=$DB_NAME"
    echo "bucket=$S3_BUCKET"
    echo "objects=$(find "$dir.partial/bucket" -type f | wc -l)"
    echo "config=${existing[*]}"
} >"$dir.partial/MANIFEST"
mv "$dir.partial" "$dir"
echo "$dir"
