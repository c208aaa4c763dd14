"""Train the Rasa model unless one for exactly these project files already exists.

    .venv-rasa/bin/python rasa_project/train.py            # prints the model path
    .venv-rasa/bin/python rasa_project/train.py --path     # only prints where it would be

The model is named by a hash of everything that shapes it (pipeline, domain, training data,
custom components, pinned Rasa environment), so unchanged data is never retrained and a changed
file always is.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
ROOT = PROJECT.parent
INPUTS = ["config.yml", "domain", "data", "addons"]


def model_hash() -> str:
    digest = hashlib.sha256()
    files = [ROOT / "requirements" / "rasa.lock"]
    for name in INPUTS:
        path = PROJECT / name
        files.extend(
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
    for path in files:
        digest.update(
            path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0"
        )
    return digest.hexdigest()[:16]


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT),
        RASA_TELEMETRY_ENABLED="false",
        RASA_CACHE_DIRECTORY=str(ROOT / "var" / "rasa-cache"),
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", action="store_true", help="print the model path and exit")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("RASA_MODELS_DIR", ROOT / "var" / "models"))
    )
    args = parser.parse_args()
    name = f"visitor-desk-{model_hash()}"
    model = args.out / f"{name}.tar.gz"
    if args.path or model.exists():
        print(model)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain",
        "--data",
        "data",
        "--out",
        str(args.out),
        "--fixed-model-name",
        name,
    ]
    print("training", name, file=sys.stderr)
    done = subprocess.run(command, cwd=PROJECT, env=rasa_env(), check=False)  # noqa: S603 - fixed argv
    if done.returncode != 0 or not model.exists():
        print("rasa train failed", file=sys.stderr)
        return done.returncode or 1
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
