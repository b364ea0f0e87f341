# syntax=docker/dockerfile:1
#
# The one container image of iiif-batch's AWS Batch jobs. The job definitions pick the entry point:
#   shard worker:       node dist/src/shard-worker/main.js
#   manifest assembler: node dist/src/manifest-assembler/main.js
# `cdk deploy` builds it for the stack's architecture (linux/amd64 by default, linux/arm64 for
# Graviton); by hand: docker build --platform linux/amd64 -t iiif-batch .

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile the TypeScript with the dev dependencies --------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here: `prepare` would compile before the sources are copied, and the image
# has Node 22 already, which the `node` dev dependency (approved in package.json `allowScripts` for
# machines with an older system Node) would fetch a second time.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and compiled JavaScript only ---------------------------
FROM ${NODE_IMAGE} AS runtime
# Set by BuildKit from --platform: amd64 or arm64.
ARG TARGETARCH
# MALLOC_ARENA_MAX: glibc's per-thread arenas fragment under libvips' many threads; two arenas keep
# a long shard's resident memory flat (measured: 260 MB instead of 370 MB after 12 large images).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MALLOC_ARENA_MAX=2
# tini as PID 1 forwards SIGTERM (Batch termination, Spot reclaim) to node and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no compiler, CDK or test tools in the image. --ignore-scripts: `prepare` runs the
# TypeScript build, which needs the dev dependencies and was done in the build stage.
# --os/--cpu/--libc: sharp's prebuilt libvips binaries for exactly this platform (linux-x64 or
# linux-arm64, glibc), whatever machine builds the image.
RUN case "${TARGETARCH:-amd64}" in \
      amd64) cpu=x64 ;; \
      arm64) cpu=arm64 ;; \
      *) echo "Unsupported architecture ${TARGETARCH}: build for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --os=linux --cpu="$cpu" --libc=glibc \
 && npm cache clean --force
# Only the compiled code: not the compiler's incremental record (dist/.tsbuildinfo).
COPY --from=build /app/dist/src ./dist/src
# Root owns the code; the jobs run unprivileged and write only to /tmp (ephemeral storage).
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/shard-worker/main.js"]
