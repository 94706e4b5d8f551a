# syntax=docker/dockerfile:1
# One image for both processes: the worker is the default command; the API runs the same image with
# `npx tsx api/server.ts` (see docker-compose.yml). TypeScript runs through tsx, so there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Dependencies first, so editing the source does not reinstall them. tsx is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The source stays root-owned and read-only to the app; only .data (DATA_DIR) is writable.
COPY . .
RUN mkdir -p .data && chown node:node .data

USER node
CMD ["npx", "tsx", "worker/main.ts"]
