# The image both roles run; CROSSDOCK_ROLE picks api or worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations are read from src/store/migrations at run time.
COPY src/store/migrations ./src/store/migrations
COPY partners ./partners
COPY wsdl ./wsdl
COPY edi-maps ./edi-maps
COPY mappings ./mappings
USER node
CMD ["node", "dist/src/cli/main.js", "start"]
