# syntax=docker/dockerfile:1
# Gatehouse as a container: docker build -t gatehouse .  (README, Deploy). Railway builds this file too.
# Node.js 20 is what CI tests; --build-arg NODE_VERSION=22 builds the same image on a newer line.
ARG NODE_VERSION=20

# better-sqlite3 compiles from source during npm ci: it needs python3, make and a C++ compiler.
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Every dependency (TypeScript is a devDependency), then tsc into dist/.
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY examples ./examples
RUN npm run build

# The runtime dependencies alone, native modules compiled for this same base image.
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# What runs: compiled JavaScript, production node_modules and package.json ("type": "module"); no compiler, no sources.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The data folder: the SQLite file (DATABASE_URL defaults to sqlite:data/gatehouse.db, relative to /app). Mount a
# volume on /app/data to keep it; a new named volume takes this folder's owner. No VOLUME instruction: Railway refuses
# to build an image that declares one.
RUN mkdir -p /app/data && chown node:node /app/data
# The node user (uid 1000) ships with the base image.
USER node
EXPOSE 3000
# Liveness only: /readyz also fails while the database is away, and restarting would not bring it back.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/server.js"]
