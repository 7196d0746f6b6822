# The nodal executor for x86_64 GPU agents: Node.js 20 + @tensorflow/tfjs-node-gpu (libtensorflow 2.9 built
# for CUDA 11.2 / cuDNN 8). Launched by the Mesos containerizer with a Docker image (the Docker
# containerizer cannot pass GPUs); the agent's nvidia/gpu isolator injects the driver because the image
# declares NVIDIA_VISIBLE_DEVICES. Build from the repository root (needs internet: tfjs-node-gpu's install
# downloads libtensorflow):
#   docker build -f scripts/docker/executor-cuda.Dockerfile -t nodal/executor-cuda:0.1.0 .
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS base
ARG NODE_VERSION=20.19.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl xz-utils python3 make g++ \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 \
 && rm -rf /var/lib/apt/lists/*

FROM base AS build
WORKDIR /opt/nodal
COPY package.json package-lock.json ./
# Optional dependencies included: tfjs-node-gpu must install here, and the build fails if it did not.
RUN npm ci --no-audit --no-fund --include=optional \
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
    NODE_ENV=production NODAL_LOG_FORMAT=json
RUN useradd --system --uid 10001 nodal
USER nodal
ENTRYPOINT ["nodal"]
CMD ["executor"]
