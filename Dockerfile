# syntax=docker/dockerfile:1
# Multi-stage build: dependencies compile in their own cached layer, the
# runtime image is slim and runs as an unprivileged user.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# 1. Dependencies only: manifests plus stub sources, so this layer is reused
#    until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY entity/Cargo.toml entity/Cargo.toml
COPY migration/Cargo.toml migration/Cargo.toml
RUN mkdir -p src entity/src migration/src \
 && echo 'fn main() {}' > src/main.rs && touch src/lib.rs entity/src/lib.rs migration/src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src entity/src migration/src
# 2. The project itself.
COPY . .
RUN touch src/main.rs src/lib.rs entity/src/lib.rs migration/src/lib.rs \
 && cargo build --release --locked --bin coopgate

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/coopgate --create-home coopgate
COPY --from=build /src/target/release/coopgate /usr/local/bin/coopgate
USER coopgate
WORKDIR /var/lib/coopgate
ENV COOPGATE_LISTEN=0.0.0.0:8080 \
    COOPGATE_LOG_FORMAT=json \
    DATABASE_URL=sqlite:///var/lib/coopgate/data/coopgate.db
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["coopgate", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["coopgate"]
CMD ["serve"]
