# Build on Debian 12 against its OpenCV 4.6 (gocv v0.31.0 matches it); run on a slim
# Debian 12 with only the shared libraries the binary links.
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ pkg-config libopencv-dev ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
# Go comes from the official image: Debian 12's golang-go (1.19) is too old.
COPY --from=golang:1.26 /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH CGO_ENABLED=1
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -o /out/tarazy ./cmd/tarazy
# The runtime stage installs exactly the Debian packages that own the libraries the
# binary links, so it never drifts from what the build used.
RUN ldd /out/tarazy | awk '/=> \//{print $3}' | xargs -r dpkg -S 2>/dev/null \
    | cut -d: -f1 | sort -u > /out/runtime-packages.txt

FROM debian:bookworm-slim
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends \
 && apt-get install -y --no-install-recommends fonts-dejavu-core ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && useradd --system --home /var/lib/tarazy --create-home tarazy
COPY --from=build /out/tarazy /usr/local/bin/tarazy
USER tarazy
WORKDIR /var/lib/tarazy
VOLUME /var/lib/tarazy
EXPOSE 8080
ENTRYPOINT ["tarazy"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/var/lib/tarazy"]
