"""Pick a domain response in a given language, as Rasa's conditional variations would.

Actions render responses themselves instead of asking Rasa to: Rasa renders a custom action's
responses *before* applying the action's events, so a response sent by the action that changes
the language would still come out in the old one. The texts stay in the domain files.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

LANGUAGE_SLOT = "language"


def localized(domain: dict[str, Any], response: str, lang: str, /, **values: Any) -> dict[str, Any]:
    """The ``text`` and ``buttons`` of ``response`` for ``lang``, placeholders filled.

    The variant whose condition is ``language == lang`` wins; otherwise the unconditional one
    (English). Unknown placeholders are left as they are rather than failing the turn.
    """
    variants = domain.get("responses", {}).get(response)
    if not variants:
        raise KeyError(f"response {response!r} is not in the domain")
    chosen = None
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions and chosen is None:
            chosen = variant
        if any(c.get("name") == LANGUAGE_SLOT and c.get("value") == lang for c in conditions):
            chosen = variant
            break
    assert chosen is not None
    return {
        "text": _fill(chosen.get("text", ""), values),
        "buttons": [
            {"title": _fill(b["title"], values), "payload": b["payload"]}
            for b in chosen.get("buttons", [])
        ],
    }


def say(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    response: str,
    lang: str,
    /,
    **values: Any,
) -> None:
    """Send ``response`` in ``lang``."""
    message = localized(domain, response, lang, **values)
    dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format_map(_Keep(values))
