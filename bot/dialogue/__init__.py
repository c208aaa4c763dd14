"""The dialogue adapter: Rasa's REST channel and HTTP API over one shared httpx client."""
