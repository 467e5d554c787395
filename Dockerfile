# vigil: the scan CLI, the patchers and the webhook bot in one image.
#   build:  buildah build --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t vigil .
#   CI:     used as a job image (the components override the entrypoint)
#   bot:    docker run -p 8080:8080 -e VIGIL_GITLAB_TOKEN=… vigil bot
# No secret is baked in: tokens and registry credentials come from the
# environment at run time.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/vigil ./cmd/vigil

FROM debian:trixie-slim AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="vigil" \
      org.opencontainers.image.description="Vulnerability management inside GitLab: image scanning, SBOMs, SLA-tracked issues and patch merge requests" \
      org.opencontainers.image.source="https://gitlab.com/vigil-vm/vigil" \
      org.opencontainers.image.url="https://gitlab.com/vigil-vm/vigil" \
      org.opencontainers.image.documentation="https://gitlab.com/vigil-vm/vigil/-/blob/main/README.md" \
      org.opencontainers.image.vendor="vigil" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# ca-certificates for registries and GitLab; curl and unzip for the CI/CD
# components (database download, db-mirror) and the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/vigil --shell /usr/sbin/nologin vigil
# The gomod patcher runs the real go command (go get, go mod tidy).
COPY --from=build /usr/local/go /usr/local/go
COPY --from=build /out/vigil /usr/local/bin/vigil
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/home/vigil \
    GOPATH=/home/vigil/go \
    GOCACHE=/home/vigil/.cache/go-build
USER 10001:10001
WORKDIR /home/vigil
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/vigil"]
CMD ["bot"]
