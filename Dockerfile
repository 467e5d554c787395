# vigil: the scan CLI, the patchers and the webhook bot in one image.
#   build:  buildah build --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t vigil .
#   CI:     used as a job image (the components override the entrypoint)
#   bot:    docker run -p 8080:8080 -v vigil-data:/var/lib/vigil -e VIGIL_GITLAB_TOKEN=… vigil bot
# No secret is baked in: tokens and registry credentials come from the
# environment at run time.
#
# Base images are pinned by digest, fully qualified (plain buildah refuses
# short names); .ci/pin-base-images moves the digests to the current ones.
ARG GO_IMAGE=docker.io/library/golang:1.26@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647
ARG RUNTIME_IMAGE=docker.io/library/debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f

# Multi-platform builds (buildah build --platform linux/amd64,linux/arm64):
# vigil is cross-compiled on the build machine's own platform, no emulation.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/vigil ./cmd/vigil

# The go command the patchers run, built for the image's platform.
FROM ${GO_IMAGE} AS toolchain

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
# RFC 3339 build time (CI passes $CI_PIPELINE_CREATED_AT); no license has
# been chosen for vigil yet, hence SPDX's NOASSERTION.
ARG CREATED=unknown
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="vigil" \
      org.opencontainers.image.description="Vulnerability management inside GitLab: image scanning, SBOMs, SLA-tracked issues and patch merge requests" \
      org.opencontainers.image.source="https://gitlab.com/vigil-vm/vigil" \
      org.opencontainers.image.url="https://gitlab.com/vigil-vm/vigil" \
      org.opencontainers.image.documentation="https://gitlab.com/vigil-vm/vigil/-/blob/main/README.md" \
      org.opencontainers.image.vendor="vigil" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="${LICENSES}"
# ca-certificates for registries and GitLab; curl and unzip for the CI/CD
# components (database download, db-mirror) and the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/vigil --shell /usr/sbin/nologin vigil \
 && mkdir -p /var/lib/vigil \
 && chown 10001:10001 /var/lib/vigil
# The gomod patcher runs the real go command (go get, go mod tidy).
COPY --from=toolchain /usr/local/go /usr/local/go
COPY --from=build /out/vigil /usr/local/bin/vigil
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/home/vigil \
    GOPATH=/home/vigil/go \
    GOCACHE=/home/vigil/.cache/go-build \
    VIGIL_DATA=/var/lib/vigil/bot.db \
    VIGIL_LISTEN=:8080
USER 10001:10001
WORKDIR /home/vigil
# The bot's queue, ledger and inbox (bot.db, bot.inbox.db) outlive the
# container: docker run -v vigil-data:/var/lib/vigil …
VOLUME ["/var/lib/vigil"]
EXPOSE 8080
# The port follows VIGIL_LISTEN (":9090" or "0.0.0.0:9090"). HEALTHCHECK is
# Docker image format only: build:image builds with BUILDAH_FORMAT=docker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl --fail --silent --show-error --max-time 4 "http://127.0.0.1:${VIGIL_LISTEN##*:}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/vigil"]
CMD ["bot"]
