#!/usr/bin/env bash
# Installs what tarazy needs on Debian 12 (bookworm), so that `make demo` and `make test`
# work on a fresh machine. Run as root it installs missing packages with apt; run as
# anyone else it prints the exact command to run and fails.
#
#   scripts/deps.sh demo   what building and running the demo needs
#   scripts/deps.sh test   that, plus what the test suite needs (PostgreSQL, poppler, libtiff-tools)
set -euo pipefail

mode=${1:-test}
case "$mode" in
  demo|test) ;;
  *) echo "usage: scripts/deps.sh demo|test" >&2; exit 2 ;;
esac

# Build: cgo against Debian's OpenCV 4.6 (gocv v0.31.0 matches it), DejaVu for the
# Cyrillic and Kazakh letters on sheets and protocols.
pkgs=(gcc g++ pkg-config libopencv-dev fonts-dejavu-core ca-certificates git)
if [ "$mode" = test ]; then
  # PostgreSQL for the store's contract tests, poppler-utils (pdftoppm) to render the
  # generated PDFs in tests, Chromium for the review screen's browser tests,
  # libtiff-tools (tiffdither, tiffcp) to write the validation corpus's CCITT G4 and
  # multi-page TIFF scans.
  pkgs+=(postgresql poppler-utils chromium libtiff-tools)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tarazy needs these Debian packages: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go is not taken from Debian: bookworm ships 1.19 and tarazy needs 1.26 or newer.
if ! command -v go >/dev/null 2>&1; then
  echo "tarazy needs Go 1.26 or newer on PATH (Debian 12's golang-go is too old); see https://go.dev/doc/install" >&2
  exit 1
fi
gov=$(go env GOVERSION | sed 's/^go//')
major=${gov%%.*}; rest=${gov#*.}; minor=${rest%%.*}
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
  echo "tarazy needs Go 1.26 or newer; this machine has $gov" >&2
  exit 1
fi

# The image store's S3 tests run against a real S3-compatible server: versitygw
# (Apache-2.0), built once from the Go module proxy at a pinned release into the user's
# cache (about 2-3 minutes on a fresh machine; nothing on later runs). Keep the version
# in step with store/blob/s3test.Version.
if [ "$mode" = test ]; then
  vgw_version=v1.8.0
  vgw_dir="${XDG_CACHE_HOME:-$HOME/.cache}/tarazy/versitygw-$vgw_version"
  if [ ! -x "$vgw_dir/versitygw" ]; then
    echo "deps: building versitygw $vgw_version (the S3 server the image-store tests start; once)"
    (cd / && GOBIN="$vgw_dir" go install "github.com/versity/versitygw/cmd/versitygw@$vgw_version")
  fi
fi

# staticcheck, pinned: `make test` fails on dead code and its other findings.
staticcheck_version=v0.8.2
if [ "$mode" = test ]; then
  sc="$(go env GOPATH)/bin/staticcheck"
  if ! "$sc" -version 2>/dev/null | grep -q "(${staticcheck_version#v})"; then
    echo "deps: installing staticcheck ${staticcheck_version}"
    GOFLAGS=-mod=mod go install "honnef.co/go/tools/cmd/staticcheck@${staticcheck_version}"
  fi
fi

if ! pkg-config --exists opencv4; then
  echo "pkg-config cannot find opencv4 although libopencv-dev is installed; check PKG_CONFIG_PATH" >&2
  exit 1
fi
echo "deps: ok for $mode (go $gov, opencv $(pkg-config --modversion opencv4))"
