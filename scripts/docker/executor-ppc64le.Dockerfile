# The nodal executor for OpenPOWER (ppc64le) GPU agents. No prebuilt libtensorflow exists for ppc64le, so
# the first stage builds the TensorFlow C library from source (scripts/docker/build-libtensorflow-ppc64le.sh,
# TensorFlow 2.9.1 — the version tfjs-node-gpu 4.22 binds — with CUDA 11.2 / cuDNN 8), and the next stage
# compiles tfjs-node-gpu's native addon against it. Build on a ppc64le host (or with buildx + qemu; the
# TensorFlow build then takes many hours):
#   docker build -f scripts/docker/executor-ppc64le.Dockerfile -t nodal/executor-ppc64le:0.1.0 .
# To reuse a libtensorflow you built before, pass it instead of building:
#   docker build --build-arg LIBTENSORFLOW_TARBALL=libtensorflow-gpu-linux-ppc64le-2.9.1.tar.gz ...
FROM nvidia/cuda-ppc64le:11.2.2-cudnn8-devel-ubuntu20.04 AS libtensorflow
ARG TF_VERSION=2.9.1
ARG BAZEL_VERSION=5.0.0
ARG LIBTENSORFLOW_TARBALL=
COPY scripts/docker/build-libtensorflow-ppc64le.sh /usr/local/bin/build-libtensorflow
COPY ${LIBTENSORFLOW_TARBALL:-scripts/docker/build-libtensorflow-ppc64le.sh} /tmp/prebuilt
RUN chmod +x /usr/local/bin/build-libtensorflow \
 && TF_VERSION=${TF_VERSION} BAZEL_VERSION=${BAZEL_VERSION} PREBUILT=/tmp/prebuilt OUT=/out \
    build-libtensorflow

FROM nvidia/cuda-ppc64le:11.2.2-cudnn8-runtime-ubuntu20.04 AS base
ARG NODE_VERSION=20.19.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl xz-utils python3 make g++ \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-ppc64le.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 \
 && rm -rf /var/lib/apt/lists/*

FROM base AS build
WORKDIR /opt/nodal
COPY package.json package-lock.json ./
# Install without running tfjs-node-gpu's download script, put our libtensorflow where the addon build
# looks for it (deps/), then compile the addon from source against it.
RUN npm ci --no-audit --no-fund --include=optional --ignore-scripts
COPY --from=libtensorflow /out/libtensorflow.tar.gz /tmp/libtensorflow.tar.gz
RUN mkdir -p node_modules/@tensorflow/tfjs-node-gpu/deps \
 && tar -xzf /tmp/libtensorflow.tar.gz -C node_modules/@tensorflow/tfjs-node-gpu/deps \
 && npm rebuild @tensorflow/tfjs-node-gpu --build-addon-from-source \
 && npm rebuild \
 && node -e "require('@tensorflow/tfjs-node-gpu')"
COPY . .
RUN npm run build && npm prune --omit=dev

FROM base
WORKDIR /opt/nodal
COPY --from=build /opt/nodal/node_modules ./node_modules
COPY --from=build /opt/nodal/dist ./dist
COPY --from=build /opt/nodal/package.json ./
COPY --from=build /opt/nodal/protos ./protos
COPY --from=build /opt/nodal/config ./config
RUN ln -s /opt/nodal/dist/cli/nodal.js /usr/local/bin/nodal && chmod +x dist/cli/nodal.js
ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility NODAL_BACKEND=tfjs-node-gpu \
    NODE_ENV=production NODAL_LOG_FORMAT=json \
    LD_LIBRARY_PATH=/opt/nodal/node_modules/@tensorflow/tfjs-node-gpu/deps/lib
RUN useradd --system --uid 10001 nodal
USER nodal
ENTRYPOINT ["nodal"]
CMD ["executor"]
