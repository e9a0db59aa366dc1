# One image for the web process, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DG_VAR_DIR=/var/lib/dgnetwork

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time and served by WhiteNoise; the key is a throwaway for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app dgnetwork \
    && mkdir -p /var/lib/dgnetwork && chown dgnetwork /var/lib/dgnetwork
USER dgnetwork
ENV STATIC_ROOT=/app/staticfiles
EXPOSE 8000
CMD ["gunicorn", "network.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
