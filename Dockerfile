# syntax=docker/dockerfile:1
# Gatehouse as a container: docker build -t gatehouse .  (README, Deploy). Railway and Heroku (heroku.yml) build it too.
# Node.js 24 LTS, pinned by digest as well as tag: a tag can be moved, a digest cannot (Renovate moves both).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# One install from the lockfile, the build, then the devDependencies dropped. No compiler: better-sqlite3 ships its
# binary. --ignore-scripts: the only install script left is the node devDependency's, which fetches a Node.js binary
# for machines whose own is too old, and this image has Node.js 24.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY examples ./examples
RUN npm run build && npm prune --omit=dev && npm cache clean --force

# What runs: compiled JavaScript, production node_modules and package.json ("type": "module"); no sources.
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="Gatehouse" \
      org.opencontainers.image.description="A remote MCP server with its own OAuth 2.1 authorization server, for Claude.ai custom connectors and every other MCP client" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/gatehouse-mcp/gatehouse" \
      org.opencontainers.image.version="0.1.0"
ENV NODE_ENV=production \
    HOST=0.0.0.0
# tini as PID 1: the gateway's stdio servers (and the npx wrappers that start them) leave orphans when they exit,
# and Node.js, as PID 1, would never reap them. tini also passes SIGTERM on to Gatehouse.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/usr/bin/tini", "--"]
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
# The data folder: the SQLite file (DATABASE_URL defaults to sqlite:data/gatehouse.db, relative to /app). Mount a
# volume on /app/data to keep it; a new named volume takes this folder's owner. No VOLUME instruction: Railway refuses
# to build an image that declares one.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The base image's unprivileged node user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# Liveness only: /readyz also fails while the database is away, and restarting would not bring it back.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "dist/src/server.js"]
