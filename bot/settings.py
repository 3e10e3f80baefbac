"""Settings from the environment (see README for each variable)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///firebreak.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Names are the environment variables DESIGN.md promises outside tools; keep them."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    firebreak_config: Path | None = Field(
        default=None, validation_alias=AliasChoices("FIREBREAK_CONFIG", "firebreak_config")
    )
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = Field(default="0.0.0.0", validation_alias=AliasChoices("HOST", "FIREBREAK_HOST"))  # noqa: S104
    log_level: str = "INFO"
    firebreak_resume_after_seconds: float = Field(default=60.0, gt=0)
    """How often unfinished provisioning is retried (README, Reliability)."""

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL

    def missing_for_serve(self) -> list[str]:
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN (the bot token, xoxb-…)")
        if self.slack_signing_secret is None and not self.socket_mode:
            missing.append("SLACK_SIGNING_SECRET (Basic Information → App Credentials)")
        return missing
