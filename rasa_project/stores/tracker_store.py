"""Rasa's SQL tracker store, with an erasure that really erases.

Rasa's ``PUT /conversations/<id>/tracker/events`` with ``[]`` is the API way to reset a
conversation, but ``SQLTrackerStore.save`` only appends events it has not stored yet: the
visitor's old messages would stay in the ``events`` table. Here saving a tracker with no events
deletes every stored event of that sender, which is what the gateway's erasure (``/forget``,
``DELETE /api/v1/conversations/{id}``, the retention job) needs.

Configured in ``endpoints.yml`` as ``type: stores.tracker_store.ErasableSQLTrackerStore`` with
the same keys as ``type: SQL``.
"""

from __future__ import annotations

import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)


class ErasableSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.events:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == tracker.sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("tracker erased (%d events)", deleted)
