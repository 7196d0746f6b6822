# The nodal scheduler (the Mesos framework) as deployed by scripts/marathon/nodal-scheduler.json.
# It needs no TensorFlow: it only schedules. Build from the repository root:
#   docker build -f scripts/docker/scheduler.Dockerfile -t nodal/scheduler:0.1.0 .
FROM node:20.19-bookworm-slim AS build
WORKDIR /opt/nodal
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=optional
COPY . .
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:20.19-bookworm-slim
WORKDIR /opt/nodal
COPY --from=build /opt/nodal/node_modules ./node_modules
COPY --from=build /opt/nodal/dist ./dist
COPY --from=build /opt/nodal/package.json ./
COPY --from=build /opt/nodal/protos ./protos
COPY --from=build /opt/nodal/config ./config
COPY --from=build /opt/nodal/scheduler/web/static ./scheduler/web/static
RUN ln -s /opt/nodal/dist/cli/nodal.js /usr/local/bin/nodal && chmod +x dist/cli/nodal.js
ENV NODE_ENV=production NODAL_LOG_FORMAT=json
USER node
EXPOSE 8080
ENTRYPOINT ["nodal"]
CMD ["scheduler"]
