#!/usr/bin/env bash
# Restores a backup made by infra/backup.sh into an EMPTY database and bucket (a new server, or
# after a loss). Stop rgrid-api and orchestrator first; start them after: their migrations then
# find the restored schema at its version and do nothing.
#
# Usage: infra/restore.sh BACKUP_DIR [--env FILE] [--config-to DIR]
#   --env FILE       the target's .env: DATABASE_URL, MINIO_* (default /opt/rgrid/.env)
#   --config-to DIR  also unpack config.tar.gz under DIR (files keep their absolute paths below
#                    DIR; use / to put them back in place). Default: leave the configuration alone.
#
# Refuses a database that already has the api or orchestrator schema: restoring over live data
# would mix two histories. The bucket is created when missing; objects are uploaded by key.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=infra/backup-common.sh
. "$here/backup-common.sh"

[[ $# -ge 1 && $1 != -* ]] || { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
backup=$1
shift
env_file=/opt/rgrid/.env
config_to=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --env) env_file=${2:?--env needs a file}; shift 2 ;;
        --config-to) config_to=${2:?--config-to needs a directory}; shift 2 ;;
        *) die "unknown option $1" ;;
    esac
done
for part in database.sql bucket config.tar.gz MANIFEST; do
    [[ -e $backup/$part ]] || die "$backup is not a complete backup (no $part)"
done
load_env "$env_file"

export PGPASSWORD=$DB_PASSWORD
psql_target=(psql --no-psqlrc --quiet --host "$DB_HOST" --port "$DB_PORT" --username "$DB_USER" --dbname "$DB_NAME")
existing=$("${psql_target[@]}" --tuples-only --no-align \
    --command "select string_agg(nspname, ',') from pg_namespace where nspname in ('api', 'orchestrator')")
[[ -z $existing ]] || die "database $DB_NAME already has schema(s) $existing: restore into an empty database"

echo "restore: database $(redacted_db_url)"
"${psql_target[@]}" --set ON_ERROR_STOP=1 --single-transaction --file "$backup/database.sql" >/dev/null

echo "restore: bucket $S3_BUCKET at $S3_ENDPOINT"
python3 "$here/s3mirror.py" upload "$backup/bucket" "$S3_ENDPOINT" "$S3_BUCKET"

if [[ -n $config_to ]]; then
    mkdir -p "$config_to"
    tar -xzf "$backup/config.tar.gz" -C "$config_to"
    echo "restore: configuration unpacked under $config_to"
else
    echo "restore: configuration left alone (tar -tzf $backup/config.tar.gz lists it; --config-to / restores it)"
fi
echo "restore: done"
