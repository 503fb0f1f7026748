#!/usr/bin/env bash
# Starts a local S3-compatible server (versitygw, Apache-2.0, built by
# `scripts/deps.sh test`) on a loopback port with its data in a directory, creates a
# bucket, and prints the URL to give `tarazy serve --images`. For trying the national
# deployment on one machine and for `make load-national`; the tests start their own.
#
#   scripts/s3.sh [DATA_DIR] [PORT]      default: ./tarazy-s3 and 7070
#
# It runs in the foreground (Ctrl-C stops it); the access key is "tarazy" and the
# secret comes from $TARAZY_S3_SECRET (default "tarazy-local-secret").
set -euo pipefail

data=${1:-./tarazy-s3}
port=${2:-7070}
secret=${TARAZY_S3_SECRET:-tarazy-local-secret}
bin=${TARAZY_VERSITYGW:-${XDG_CACHE_HOME:-$HOME/.cache}/tarazy/versitygw-v1.8.0/versitygw}
if [ ! -x "$bin" ]; then
  echo "versitygw is not built; run scripts/deps.sh test first" >&2
  exit 1
fi
mkdir -p "$data/tarazy"   # a directory at the top is a bucket
echo "s3: images URL  s3://tarazy:$secret@127.0.0.1:$port/tarazy?tls=false" >&2
exec "$bin" --access tarazy --secret "$secret" --port "127.0.0.1:$port" --quiet --keep-alive posix "$data"
