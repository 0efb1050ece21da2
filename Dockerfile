# Shomik in one image: the web client built with Node, then a slim runtime with the server
# (Python) serving that build, as a non-root user, with its data in a volume.
#
#   docker build -t shomik .      # podman: podman build --format docker (keeps HEALTHCHECK)
#   docker run -d -p 127.0.0.1:8000:8000 -v shomik-data:/var/lib/shomik shomik
#
# One process on SQLite in /var/lib/shomik by default; with SHOMIK_DATABASE_URL and
# SHOMIK_REDIS_URL several containers serve together (deploy/compose.yaml). See
# docs/deployment.md §8.

# Debian 13: its nodejs is 20.19 (Vite needs >= 20.19) and its python3 is 3.13. A machine
# without access to an image registry builds from a local Debian base made with debootstrap
# (scripts/container-base.sh): --build-arg BASE=localhost/debian-trixie:base.
ARG BASE=debian:trixie-slim
# Janus's image (the `janus` stage) is Debian 12: Debian 13 has no `janus` package, and
# bookworm's Janus 1.1.2 is the one verified with Shomik. Without a registry:
# --build-arg JANUS_BASE=localhost/debian-bookworm:base (scripts/container-base.sh IMAGE bookworm).
ARG JANUS_BASE=debian:bookworm-slim

# ---- 1. The web client --------------------------------------------------------------
FROM ${BASE} AS web
# A CA bundle for a TLS-intercepting proxy, mounted for the build only (never copied into an
# image): node reads NODE_EXTRA_CA_CERTS from the environment, where build args are.
ARG NODE_EXTRA_CA_CERTS
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/web
# The lock alone first: this layer (the slow part) is reused until the dependencies change.
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
RUN npm run --silent build

# ---- 2. The server's dependencies, in a virtualenv ----------------------------------
FROM ${BASE} AS deps
ARG PIP_CERT
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/shomik
WORKDIR /src
# Read from pyproject.toml (the [project] dependencies, not the dev extras): this layer, and
# the runtime's copy of it, are reused until they change.
COPY pyproject.toml ./
RUN python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > requirements.txt \
    && /opt/shomik/bin/pip install --quiet -r requirements.txt

# ---- 3. The server itself, as a wheel -------------------------------------------------
FROM deps AS wheel
# Build args are per stage: the build backend (setuptools) comes from PyPI too.
ARG PIP_CERT
COPY README.md ./
COPY src/ src/
RUN /opt/shomik/bin/pip wheel --quiet --no-deps --wheel-dir /wheels .

# ---- Janus, the SFU of group calls (deploy/compose.yaml's `janus`: `--target janus`) ---
# Debian's Janus, and the server's code for `shomik janus-config`, which writes Janus's
# configuration from the same SHOMIK_SFU_* settings the server reads at every start (as the
# systemd unit does): never Debian's /etc/janus. Not the default target: the image built
# without --target stays the server's. On Debian 12 (JANUS_BASE, above), whose Python is
# 3.11: the server's wheel is installed there with its dependencies for that Python.
FROM ${JANUS_BASE} AS janus
ARG PIP_CERT
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        janus python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10002 shomik-janus \
    && useradd --uid 10002 --gid shomik-janus --no-create-home \
        --home-dir /var/lib/shomik-janus --shell /usr/sbin/nologin shomik-janus \
    && install -d -o shomik-janus -g shomik-janus -m 0700 /var/lib/shomik-janus
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# The dependencies first, as in stage 2: this layer is reused until they change.
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -m venv /opt/shomik \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/tmp/pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && /opt/shomik/bin/pip install --quiet -r /tmp/requirements.txt \
    && rm /tmp/pyproject.toml /tmp/requirements.txt
COPY --from=wheel /wheels /tmp/wheels
RUN /opt/shomik/bin/pip install --quiet --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels
ENV PATH=/opt/shomik/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER shomik-janus
WORKDIR /var/lib/shomik-janus
# In a container of its own Janus binds both APIs to every address of the container: only
# the compose network reaches them (nothing publishes 8188 or 7188); media ports are
# published by the compose file.
CMD ["sh", "-c", "shomik janus-config --out /var/lib/shomik-janus/conf --listen 0.0.0.0 --admin-listen 0.0.0.0 > /dev/null && exec janus -C /var/lib/shomik-janus/conf/janus.jcfg -F /var/lib/shomik-janus/conf --disable-colors"]

# ---- 4. The runtime -------------------------------------------------------------------
FROM ${BASE}
# ca-certificates: TLS to a managed PostgreSQL or Redis (asyncpg and redis-py verify against
# the system's CAs; httpx, for Web Push and link previews, brings certifi's).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 shomik \
    && useradd --uid 10001 --gid shomik --no-create-home --home-dir /var/lib/shomik \
        --shell /usr/sbin/nologin shomik \
    && install -d -o shomik -g shomik -m 0750 /var/lib/shomik
# Dependencies, client and code in that order, from the least to the most often changed: an
# upgrade that changes only the code downloads a layer of a few MB.
COPY --from=deps /opt/shomik /opt/shomik
COPY --from=web /src/web/dist /opt/shomik/web
COPY --from=wheel /wheels /tmp/wheels
# A regular (not editable) install of the server's wheel, without the dev extras.
RUN PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/shomik/bin/pip install --quiet --no-deps --no-cache-dir \
        /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels
# SHOMIK_WEB_DIR: an installed package has no source checkout beside it to find the client
# in (settings.py). Host, port and data dir as environment, not flags, so that a container
# started on another port (SHOMIK_PORT, e.g. with --network host) is still what the
# HEALTHCHECK asks. Proxy headers (X-Forwarded-For) are trusted from 127.0.0.1 only unless
# FORWARDED_ALLOW_IPS names the proxy's address (deploy/compose.yaml does).
ENV PATH=/opt/shomik/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHOMIK_WEB_DIR=/opt/shomik/web \
    SHOMIK_HOST=0.0.0.0 \
    SHOMIK_PORT=8000 \
    SHOMIK_DATA_DIR=/var/lib/shomik
USER shomik
WORKDIR /var/lib/shomik
# The SQLite database, the secret key, the VAPID key and uploads/.
VOLUME ["/var/lib/shomik"]
EXPOSE 8000
# /api/health answers 200 once the server serves (migrations are applied before that). No
# curl in the image: python3 is here anyway. 60 s of start period: first start migrates.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('SHOMIK_PORT', '8000'), timeout=4)"]
CMD ["shomik", "serve"]
