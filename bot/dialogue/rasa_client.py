"""RasaClient: the :class:`~bot.core.ports.DialogueEngine` backed by a Rasa server."""

from __future__ import annotations

import logging

import httpx

from bot.core.ports import DialogueTurn, DialogueUnavailableError
from bot.dialogue.parsing import MalformedReplyError, parse_messages

logger = logging.getLogger(__name__)


class RasaClient:
    """Talks to Rasa's REST channel and (with the token) its HTTP API.

    Args:
        http: The process's shared client; its timeouts bound every call.
        base_url: Rasa's address, e.g. ``http://127.0.0.1:5005``.
        token: Rasa's ``--auth-token``, needed for the tracker API.
        actions_url: The action server's address, for the readiness check.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        token: str,
        actions_url: str | None = None,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        self._actions = actions_url.rstrip("/") if actions_url else None

    async def send(self, conversation_id: str, text: str, language: str) -> DialogueTurn:
        body = {"sender": conversation_id, "message": text, "metadata": {"language": language}}
        try:
            response = await self._http.post(f"{self._base}/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as exc:
            raise DialogueUnavailableError(f"rasa unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DialogueUnavailableError(f"rasa answered HTTP {response.status_code}")
        try:
            replies, signals, form = parse_messages(response.json())
        except (ValueError, MalformedReplyError) as exc:
            raise DialogueUnavailableError(f"rasa answered garbage: {exc}") from exc
        if not replies and not signals:
            # Every intent has an answer; silence means an action failed (action server down).
            raise DialogueUnavailableError("rasa returned no messages")
        return DialogueTurn(replies, signals, form)

    async def forget(self, conversation_id: str) -> None:
        try:
            response = await self._http.put(
                f"{self._base}/conversations/{conversation_id}/tracker/events",
                params={"token": self._token},
                json=[],
            )
        except httpx.HTTPError as exc:
            raise DialogueUnavailableError(f"rasa unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise DialogueUnavailableError(
                f"rasa refused to erase the tracker: {response.status_code}"
            )

    async def ready(self) -> bool:
        try:
            status = await self._http.get(f"{self._base}/status", params={"token": self._token})
            if status.status_code != 200 or not status.json().get("model_file"):
                return False
            if self._actions is not None:
                health = await self._http.get(f"{self._actions}/health")
                return health.status_code == 200
            return True
        except (httpx.HTTPError, ValueError):
            return False
