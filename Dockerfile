# Thi đua Bot: one image for the bot and its one-shot steps (thidua migrate, backup, restore).
# LibreOffice (Writer only) turns the minutes and proposals into PDF; Liberation Serif (metric-
# compatible with Times New Roman, which official documents name) and DejaVu cover Vietnamese.
FROM python:3.12-slim-bookworm

# LibreOffice writes its profile under HOME: the bot's own user owns this one.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/thidua

# The font cache is warmed here, so the first PDF of a container does not pay for it.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui fonts-liberation2 fonts-dejavu-core fontconfig postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f \
 && useradd --create-home --uid 10001 thidua

WORKDIR /app
# The source tree as the repository has it (.dockerignore leaves out tests, data and secrets): the
# bot finds its migrations beside its code, so it is installed in place.
COPY . .
# PYTHONDONTWRITEBYTECODE keeps the running container from writing .pyc files, so the bot's own
# modules are compiled here, once: otherwise every start compiles all of them again.
RUN pip install -e . && python -m compileall -q bot handlers models migrations \
 && mkdir -p /data/files && chown -R thidua:thidua /data

USER thidua
# Inside a container the web server listens on every interface; the proxy in front gives HTTPS.
ENV WEB_LISTEN=0.0.0.0 \
    WEB_PORT=8443 \
    FILE_STORE_DIR=/data/files \
    LOG_FORMAT=json
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8443/healthz', timeout=4).status != 200)"
ENTRYPOINT ["thidua"]
CMD ["run"]
