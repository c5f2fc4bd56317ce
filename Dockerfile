# caregraph API / dashboard image (docker-compose.yml runs it twice: `serve --api-only` and `serve --dashboard-only`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md requirements.txt ./
COPY foundation ./foundation
COPY graph ./graph
COPY ingest ./ingest
COPY analytics ./analytics
COPY synthetic ./synthetic
COPY api ./api
COPY dashboard ./dashboard
COPY caregraph ./caregraph
# The locked, hash-checked runtime dependencies first (what the tests passed with), then caregraph itself.
RUN pip install --require-hashes --no-deps -r requirements.txt \
    && pip install --no-deps . \
    && useradd --create-home --uid 10001 caregraph \
    && mkdir -p /data \
    && chown caregraph /data

USER caregraph
# Listen on all interfaces inside the container; users, audit log and exports go to the /data volume.
ENV CAREGRAPH_API_HOST=0.0.0.0 \
    CAREGRAPH_API_PORT=8000 \
    CAREGRAPH_DATA_DIR=/data \
    CAREGRAPH_STORE_PATH=/data/caregraph
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["caregraph"]
CMD ["serve", "--api-only"]
