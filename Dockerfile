# syntax=docker/dockerfile:1
# Assay: one image, two roles (`assay serve`, `assay worker`). Build from the repository root:
#   docker build -t assay .

FROM node:24-slim AS deps
WORKDIR /app
# Manifests first, so source edits do not invalidate the dependency layer.
COPY package.json package-lock.json .npmrc ./
COPY sdk/package.json sdk/
COPY core/package.json core/
COPY tests/package.json tests/
COPY bench/package.json bench/
COPY plugins/ plugins/
COPY operators/ operators/
# Development tools (TypeScript, ESLint, the pinned `node` package) stay out of the image: Node 24 runs the
# TypeScript sources directly.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# The portal: a static SvelteKit build core serves at /. It needs the development tools (Vite, Svelte), so it is
# built in its own stage and only the built files reach the image.
FROM node:24-slim AS portal
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY sdk/package.json sdk/
COPY core/package.json core/
COPY tests/package.json tests/
COPY bench/package.json bench/
COPY portal/package.json portal/
COPY plugins/ plugins/
COPY operators/ operators/
RUN npm ci --no-audit --no-fund
COPY portal/ portal/
RUN npm run build -w @assay/portal

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ASSAY_HOME=/data
RUN groupadd --system assay && useradd --system --gid assay --home-dir /data assay \
 && mkdir -p /data && chown assay:assay /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root sdk/ sdk/
COPY --chown=root:root core/ core/
COPY --chown=root:root plugins/ plugins/
COPY --chown=root:root operators/ operators/
COPY --from=portal --chown=root:root /app/portal/build portal/build/
USER assay
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/core/bin/assay.js"]
CMD ["serve"]
