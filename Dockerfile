# The Gopherfile frontend image. BuildKit runs it for a Gopherfile whose first line
# is `# syntax=<this image>`. Build it with `docker buildx bake frontend` (or
# hack/frontend-image.sh for the local test registry).
#
# The cacert secret is optional: behind a TLS-intercepting proxy, pass its CA
# bundle (--secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt) so that
# go mod download trusts it.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG GOPROXY
ENV GOTOOLCHAIN=local GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN --mount=type=cache,id=gopherfile-frontend-gomodcache,target=/go/pkg/mod \
    --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt,required=false \
    GOPROXY=${GOPROXY:-https://proxy.golang.org,direct} go mod download
COPY . .
ARG TARGETOS TARGETARCH TARGETVARIANT
ARG VERSION=dev
RUN --mount=type=cache,id=gopherfile-frontend-gomodcache,target=/go/pkg/mod \
    --mount=type=cache,id=gopherfile-frontend-gocache-${TARGETARCH}${TARGETVARIANT},target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} \
    go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X github.com/gopherfile/gopherfile/internal/version.Version=${VERSION}" \
      -o /out/gopherfile-frontend ./cmd/gopherfile-frontend

FROM scratch
COPY --from=build /out/gopherfile-frontend /bin/gopherfile-frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
LABEL org.opencontainers.image.title="gopherfile-frontend" \
      org.opencontainers.image.description="BuildKit frontend that builds Go images from a Gopherfile"
ENTRYPOINT ["/bin/gopherfile-frontend"]
