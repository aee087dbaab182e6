#!/usr/bin/env bash
# Set up .venv with the pinned stack and mmrtseg. Idempotent: every step is
# skipped when what it installs is already there, and the compiled mmcv wheel
# is cached under $MMRTSEG_WHEEL_CACHE so it is built once per machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
MMCV_VERSION=2.1.0
# CPU-only and CUDA builds of mmcv are cached apart.
if [ "${FORCE_CUDA:-0}" = "1" ]; then MMCV_VARIANT=cuda; else MMCV_VARIANT=cpu; fi
WHEEL_CACHE=${MMRTSEG_WHEEL_CACHE:-$HOME/.cache/mmrtseg/wheels}/$MMCV_VARIANT
STAMP=$VENV/.mmrtseg-installed

say() { echo "[install] $*"; }

req_hash() {
  cat requirements/*.txt setup.py tools/install.sh | sha256sum | cut -d' ' -f1
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(req_hash)" ]; then
  say "environment in $VENV is up to date (delete $STAMP to reinstall)"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP="$PY -m pip"
has() { "$PY" -c "$1" >/dev/null 2>&1; }

if ! has "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '${TORCH_SPEC#torch==}')"; then
  say "installing $TORCH_SPEC"
  $PIP install -q "$TORCH_SPEC"
fi

say "installing build tools for mmcv"
$PIP install -q -r requirements/build.txt

if ! has "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')"; then
  mkdir -p "$WHEEL_CACHE"
  wheel=$(ls "$WHEEL_CACHE"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    say "compiling mmcv==$MMCV_VERSION with its $MMCV_VARIANT ops: there is no binary wheel"
    say "for this torch, so it is built from source. This takes 20-30 minutes on"
    say "2 cores (CPU ops), once per machine; the wheel is cached in $WHEEL_CACHE."
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      $PIP wheel --no-build-isolation --no-deps -w "$WHEEL_CACHE" "mmcv==$MMCV_VERSION"
    wheel=$(ls "$WHEEL_CACHE"/mmcv-$MMCV_VERSION-*.whl | head -n1)
  fi
  say "installing cached $wheel"
  $PIP install -q "$wheel"
fi

say "installing the OpenMMLab stack and test tools"
$PIP install -q -r requirements/runtime.txt -r requirements/tests.txt
# mmcv depends on opencv-python; keep only the headless build to avoid two cv2.
if has "import importlib.metadata as m; m.version('opencv-python')"; then
  $PIP uninstall -q -y opencv-python
  $PIP install -q --force-reinstall --no-deps opencv-python-headless
fi

say "installing mmrtseg (editable)"
$PIP install -q --no-build-isolation --no-deps -e .

req_hash > "$STAMP"
say "done: $("$PY" -c 'import mmrtseg, torch, mmcv, mmseg, mmdet, mmengine; print("torch", torch.__version__, "mmcv", mmcv.__version__, "mmseg", mmseg.__version__, "mmdet", mmdet.__version__, "mmengine", mmengine.__version__)')"
