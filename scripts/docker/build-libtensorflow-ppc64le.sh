#!/usr/bin/env bash
# Builds the TensorFlow C library (libtensorflow.tar.gz: include/ + lib/) for ppc64le with CUDA, for
# tfjs-node-gpu's native addon. Used by executor-ppc64le.Dockerfile; runs on a ppc64le host with CUDA and
# cuDNN development files. If PREBUILT points at an existing libtensorflow tarball, it is used as is.
# Environment: TF_VERSION (2.9.1), BAZEL_VERSION (5.0.0), OUT (output dir), PREBUILT (optional tarball).
set -euo pipefail
: "${TF_VERSION:=2.9.1}" "${BAZEL_VERSION:=5.0.0}" "${OUT:=/out}"
mkdir -p "$OUT"

if [ -n "${PREBUILT:-}" ] && tar -tzf "$PREBUILT" lib/libtensorflow.so >/dev/null 2>&1; then
  echo "using prebuilt libtensorflow from $PREBUILT"
  cp "$PREBUILT" "$OUT/libtensorflow.tar.gz"
  exit 0
fi

[ "$(uname -m)" = ppc64le ] || echo "warning: building for $(uname -m), not ppc64le" >&2

apt-get update
apt-get install -y --no-install-recommends git python3 python3-dev python3-pip python3-numpy \
  openjdk-11-jdk-headless zip unzip build-essential curl ca-certificates
pip3 install --no-cache-dir 'numpy<1.24' packaging wheel keras_preprocessing

# Bazel has no ppc64le release binary: build it from the dist archive.
work=$(mktemp -d)
cd "$work"
curl -fsSLO "https://github.com/bazelbuild/bazel/releases/download/${BAZEL_VERSION}/bazel-${BAZEL_VERSION}-dist.zip"
mkdir bazel && (cd bazel && unzip -q "../bazel-${BAZEL_VERSION}-dist.zip" && env EXTRA_BAZEL_ARGS="--tool_java_runtime_version=local_jdk" bash ./compile.sh)
export PATH="$work/bazel/output:$PATH"

git clone --depth 1 --branch "v${TF_VERSION}" https://github.com/tensorflow/tensorflow.git
cd tensorflow
export TF_NEED_CUDA=1 TF_CUDA_VERSION=11.2 TF_CUDNN_VERSION=8 TF_CUDA_COMPUTE_CAPABILITIES=7.0,8.0 \
  PYTHON_BIN_PATH=/usr/bin/python3 TF_NEED_ROCM=0 TF_NEED_TENSORRT=0 TF_SET_ANDROID_WORKSPACE=0 \
  CC_OPT_FLAGS="-mcpu=power9 -mtune=power9" TF_CONFIGURE_IOS=0
./configure
bazel build --config=opt --config=cuda //tensorflow/tools/lib_package:libtensorflow
cp bazel-bin/tensorflow/tools/lib_package/libtensorflow.tar.gz "$OUT/libtensorflow.tar.gz"
echo "libtensorflow for ppc64le written to $OUT/libtensorflow.tar.gz"
