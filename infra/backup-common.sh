#!/usr/bin/env bash
# Shared by backup.sh and restore.sh: reads the control plane's .env without executing it.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file

die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# load_env FILE: sets DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME from DATABASE_URL (the seed's
# postgresql+asyncpg:// form or postgresql://), and S3_ENDPOINT S3_BUCKET plus the exported
# S3_ACCESS_KEY/S3_SECRET_KEY (read by s3mirror.py) from MINIO_*.
load_env() {
    local file=$1
    [[ -r $file ]] || die "cannot read $file"
    env_get() { sed -n "s/^[[:space:]]*$1=//p" "$file" | tail -n1 | sed "s/^[\"']//; s/[\"']\$//"; }
    local url
    url=$(env_get DATABASE_URL)
    [[ -n $url ]] || die "no DATABASE_URL in $file"
    url=${url#jdbc:}
    if [[ ! $url =~ ^postgres(ql)?(\+[a-z0-9]+)?://(([^:@/]*)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?/([^?]+) ]]; then
        die "DATABASE_URL in $file is not postgresql://user:password@host:port/database"
    fi
    DB_USER=$(urldecode "${BASH_REMATCH[4]:-postgres}")
    DB_PASSWORD=$(urldecode "${BASH_REMATCH[6]}")
    DB_HOST=${BASH_REMATCH[7]}
    DB_PORT=${BASH_REMATCH[9]:-5432}
    DB_NAME=$(urldecode "${BASH_REMATCH[10]}")

    local endpoint ssl
    endpoint=$(env_get MINIO_ENDPOINT)
    ssl=$(env_get MINIO_USE_SSL)
    endpoint=${endpoint:-localhost:9000}
    if [[ $endpoint != http://* && $endpoint != https://* ]]; then
        if [[ ${ssl,,} == true ]]; then endpoint=https://$endpoint; else endpoint=http://$endpoint; fi
    fi
    S3_ENDPOINT=$endpoint
    S3_BUCKET=$(env_get MINIO_BUCKET_NAME)
    S3_BUCKET=${S3_BUCKET:-rgrid}
    S3_ACCESS_KEY=$(env_get MINIO_ACCESS_KEY)
    S3_SECRET_KEY=$(env_get MINIO_SECRET_KEY)
    export S3_ACCESS_KEY S3_SECRET_KEY
}

urldecode() { printf '%b' "${1//%/\\x}"; }

redacted_db_url() { printf 'postgresql://%s@%s:%s/%s' "$DB_USER" "$DB_HOST" "$DB_PORT" "$DB_NAME"; }
