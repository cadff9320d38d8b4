# One image for every process of the service; the command picks which one runs.
# Debian (glibc), not Alpine: Temporal's native core bridge ships for glibc only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# worker metrics 9464, gateway 8080, codec server 8888, simulator 8131
EXPOSE 9464 8080 8888 8131
CMD ["node", "dist/workers/main.js"]
