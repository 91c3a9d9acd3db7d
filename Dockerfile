# Turnabout in one image: web server, task worker and scheduler (`turnabout serve`). See docs/deploy.md.
# Every command below is one CI runs: tests/core/test_deploy_files.py checks them against the production
# install of the browser tests (tests/browser/production.py) and the Makefile's `assets` recipe.

# The front-end packages, built as `make assets` builds them (frontend/build.mjs writes turnabout/static/dist/).
FROM node:22-bookworm-slim AS assets
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json frontend/build.mjs ./
RUN npm ci --no-audit --no-fund --silent && npm run --silent build

FROM python:3.12-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TURNABOUT_VAR_DIR=/opt/turnabout/var \
    NUMBA_CACHE_DIR=/var/cache/turnabout/numba
# pg_dump, pg_restore and psql for `turnabout backup` and `restore`: Debian 12's are PostgreSQL 15's, the major
# version of compose.yaml's database (and CI's); they must match the server's (docs/operations.md).
RUN apt-get update && apt-get install --yes --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --uid 10001 turnabout
WORKDIR /opt/turnabout/src
COPY pyproject.toml README.md manage.py ./
COPY turnabout ./turnabout
COPY --from=assets /src/turnabout/static/dist ./turnabout/static/dist
RUN pip install .
# Static files go into the image, where WhiteNoise serves them. collectstatic reads no database and signs
# nothing: the key below only satisfies the settings' checks for this one build step and is not kept.
RUN SECRET_KEY=collectstatic-only-not-used-at-run-time ALLOWED_HOSTS=localhost turnabout collectstatic --no-input
# The engine's compiled pair scan is cached on a volume (compiled once, not at every start); /var/lib/turnabout
# holds a SQLite database and backups when you use those.
RUN mkdir -p /var/cache/turnabout/numba /var/lib/turnabout && chown turnabout /var/cache/turnabout/numba /var/lib/turnabout
VOLUME ["/var/cache/turnabout/numba", "/var/lib/turnabout"]
USER turnabout
WORKDIR /var/lib/turnabout
EXPOSE 8000
CMD ["turnabout", "serve", "--bind", "0.0.0.0:8000"]
