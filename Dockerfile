# syntax=docker/dockerfile:1
# Compiled, in two stages. `build` installs every dependency and runs `npm run build`: TypeScript to
# dist/ and the workflow code bundled into dist/workflow-bundle.js. `runtime`, the image, holds dist/ and
# the production dependencies only, and runs as the non-root `node` user.
# One image for both processes: the worker is the default command; the API runs `node dist/bin/api.js`
# (see docker-compose.yml).

FROM node:20-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

FROM base AS build
# Dependencies first, so editing the source does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM base AS runtime
# Stack traces point at the TypeScript source (the build writes source maps).
ENV NODE_OPTIONS=--enable-source-maps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# The code stays root-owned and read-only to the app; only .data (DATA_DIR) is writable.
COPY --from=build /app/dist ./dist
RUN mkdir -p .data && chown node:node .data

USER node
CMD ["node", "dist/bin/worker.js"]
