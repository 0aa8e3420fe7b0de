# The ruralcredit server image: `ruralcredit serve` on 0.0.0.0:8000 as a non-root user.
# Build: docker build -t ruralcredit .            (with tracing: --build-arg EXTRAS=otel)
# The same image runs `migrate` and `worker` (compose.yaml); see README, "Deployment".

# The base image; another registry's copy of it (a mirror inside the bank's network) may be
# named with --build-arg PYTHON_IMAGE=registry.example/python:3.11-slim.
ARG PYTHON_IMAGE=python:3.11-slim

# -- build: the project as a wheel, installed with its dependencies into a venv ----------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY server ./server
COPY plugins ./plugins

# Optional extras of the package, comma-separated (e.g. "otel" for OpenTelemetry tracing).
ARG EXTRAS=""
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/ruralcredit \
    && wheel="$(echo /wheels/ruralcredit-*.whl)" \
    && /opt/ruralcredit/bin/pip install "${wheel}${EXTRAS:+[${EXTRAS}]}"

# -- runtime: the venv only, no compiler, no sources, no pip cache -----------------------
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/ruralcredit/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RURALCREDIT_DATA_DIR=/var/lib/ruralcredit

RUN groupadd --system --gid 10001 ruralcredit \
    && useradd --system --uid 10001 --gid ruralcredit --no-create-home \
       --home-dir /var/lib/ruralcredit --shell /usr/sbin/nologin ruralcredit \
    && mkdir -p /var/lib/ruralcredit \
    && chown ruralcredit:ruralcredit /var/lib/ruralcredit

COPY --from=build /opt/ruralcredit /opt/ruralcredit

# Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/ruralcredit
VOLUME ["/var/lib/ruralcredit"]
EXPOSE 8000

# Liveness: /healthz answers 200 while the process answers and reaches its database.
# slim has no curl; urlopen raises (exit 1) on an error status or no answer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["ruralcredit"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
