# hhplus-server image (the seed guide's Step 1: `docker build -t hhplus-ecommerce .`).
# Two stages: build on Debian 12 with the project's own toolchain packages (scripts/setup.sh),
# run on Debian 12 slim with only the shared libraries the binary links, as a non-root user.

FROM debian:12 AS build
ARG DEBIAN_FRONTEND=noninteractive
# The build half of scripts/setup.sh's list (no test frameworks: BUILD_TESTING=OFF below).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libboost1.74-dev libhiredis-dev libmariadb-dev rapidjson-dev libsodium-dev libssl-dev prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target hhplus-server -j "$(nproc)" \
 && strip /build/src/app/hhplus-server
# The Debian packages that own the shared libraries the binary links (libhiredis, libmariadb,
# libsodium, prometheus-cpp, ...): the runtime stage installs exactly these.
RUN ldd /build/src/app/hhplus-server | awk '/=> \// { print $3 }' \
  | while read -r lib; do \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "${lib#/usr}"; \
    done | cut -d: -f1 | sort -u > /build/runtime-packages \
 && cat /build/runtime-packages

FROM debian:12-slim
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build /build/runtime-packages /tmp/runtime-packages
# curl: the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin hhplus
COPY --from=build /build/src/app/hhplus-server /usr/local/bin/hhplus-server
COPY deploy/docker/entrypoint.sh /usr/local/bin/hhplus-entrypoint
USER hhplus
# In a container the server listens on every address of its network namespace; Compose keeps
# it on the stage's private network (only nginx's port is published, on 127.0.0.1).
ENV PORT=3000 BIND_ADDRESS=0.0.0.0
EXPOSE 3000
# Liveness (api.md "Operations"): /health answers while the process runs. Tolerant timings: ten
# replicas and their infrastructure starting at once on a small machine can take seconds to get
# a check scheduled, and Compose gives up on `up` as soon as one replica is reported unhealthy.
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=5 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
# SIGTERM starts the graceful drain (readiness 503, listener closed, in-flight requests answered).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hhplus-entrypoint"]
