#!/usr/bin/env bash
# Creates Rasa's tracker-store role and database next to the app database.
#
# docker-compose.yml mounts this file into /docker-entrypoint-initdb.d/, which the postgres
# image runs ONCE, when it starts on an empty data volume (as the superuser POSTGRES_USER, with
# the server listening on its Unix socket only). On an existing volume nothing here runs: to
# change a password later, use ALTER ROLE (see README, "Backing up PostgreSQL").
#
# The image executes this file if it is executable and sources it otherwise, so it sets no
# shell options of its own (the entrypoint runs with `set -Eeo pipefail` already) and fails
# through ${VAR:?} and psql's ON_ERROR_STOP.
: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
: "${RASA_TRACKER_DB:?set RASA_TRACKER_DB for the postgres service}"
: "${RASA_TRACKER_USER:?set RASA_TRACKER_USER for the postgres service}"
: "${RASA_TRACKER_PASSWORD:?set RASA_TRACKER_PASSWORD in .env}"

# psql substitutes :"name" (identifier) and :'name' (literal) safely, quotes included; it does
# so in scripts read from stdin, not in -c commands.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=app_db="$POSTGRES_DB" \
    --set=tracker_db="$RASA_TRACKER_DB" \
    --set=tracker_user="$RASA_TRACKER_USER" \
    --set=tracker_password="$RASA_TRACKER_PASSWORD" <<'EOSQL'
CREATE ROLE :"tracker_user" LOGIN PASSWORD :'tracker_password';
CREATE DATABASE :"tracker_db" OWNER :"tracker_user";
-- Every role may connect to every database by default: keep Rasa's role out of the app's
-- database and everyone but the owners out of both.
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"tracker_db" FROM PUBLIC;
EOSQL
