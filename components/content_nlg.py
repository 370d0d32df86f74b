"""Answer texts served from the content files as they are now, so a reworded answer needs no training.

Rasa's own generator serves the responses frozen into the trained model. ContentNLG (endpoints.yml,
`nlg: type: components.content_nlg.ContentNLG`) runs in the Rasa process like it, so the urgent
reply still never waits for the action server, but it reads the responses of `domain.yml` and
`data/**/*.yml` again when one of those files changed: it looks at their modification times at
most every PACE_CONTENT_CHECK seconds (default 2), under PACE_CONTENT_ROOT (default: this checkout;
the tests point it at a copy). A response the files no longer give (a file that
is not valid YAML, a variation without text) keeps its last good wording and is logged; a response
the files do not have at all comes from the model. Examples, buttons' payloads and new answer names
still need `make train`: only the wording is live.
"""

import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.utils.endpoints import EndpointConfig

from components.yaml_files import read_yaml

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHECK_SECONDS = 2.0
Responses = Dict[str, List[Dict[str, Any]]]


def response_files(root: Path = ROOT) -> List[Path]:
    """The files a content editor writes answers in, in the order Rasa merges them."""
    return [root / "domain.yml", *sorted((root / "data").rglob("*.yml"))]


def read_responses(path: Path) -> Tuple[Responses, List[str]]:
    """The usable responses of one file, and what is wrong with the rest (raises on invalid YAML)."""
    data = read_yaml(path)
    found = (data or {}).get("responses") if isinstance(data, dict) else None
    usable: Responses = {}
    problems: List[str] = []
    for name, variations in (found or {}).items():
        if not isinstance(variations, list) or not variations:
            problems.append(f"{name} has no variations")
        elif all(isinstance(v, dict) and str(v.get("text") or "").strip() for v in variations):
            usable[name] = variations
        else:
            problems.append(f"{name} has a variation without text")
    return usable, problems


def content_responses(root: Path = ROOT) -> Responses:
    """Every response of the content files as they are now (what tests compare replies with)."""
    merged: Responses = {}
    for path in response_files(root):
        merged.update(read_responses(path)[0])
    return merged


class ContentNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator over the model's responses, overlaid with the files' current ones."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Any = None,
        root: Optional[Path] = None,
        check_seconds: Optional[float] = None,
    ) -> None:
        self.root = root or Path(os.environ.get("PACE_CONTENT_ROOT") or ROOT)
        self.check_seconds = DEFAULT_CHECK_SECONDS if check_seconds is None else check_seconds
        if check_seconds is None and os.environ.get("PACE_CONTENT_CHECK"):
            self.check_seconds = float(os.environ["PACE_CONTENT_CHECK"])
        self._model: Responses = dict(domain.responses) if domain is not None else {}
        self._files: Dict[Path, Tuple[float, Responses]] = {}
        self._checked = float("-inf")
        super().__init__(self._model)
        self.refresh(force=True)

    # Rasa's Agent sets `responses` to the model's when it loads a model: keep that as the base
    @property
    def responses(self) -> Responses:
        return self._merged

    @responses.setter
    def responses(self, model: Responses) -> None:
        self._model = dict(model or {})
        self._merge()

    def _merge(self) -> None:
        merged = dict(self._model)
        for _, found in self._files.values():
            merged.update(found)
        self._merged = merged

    def refresh(self, force: bool = False) -> bool:
        """Reads the files that changed since the last look; True when a wording may have changed."""
        now = time.monotonic()
        if not force and now - self._checked < self.check_seconds:
            return False
        self._checked = now
        changed = False
        for path in response_files(self.root):
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue
            if path in self._files and self._files[path][0] == modified:
                continue
            previous = self._files.get(path, (0.0, {}))[1]
            try:
                found, problems = read_responses(path)
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
                logger.error("%s does not read (%s); its answers keep their last wording", path, error)
                self._files[path] = (modified, previous)
                continue
            for problem in problems:
                logger.error("%s: %s; it keeps its last wording", path, problem)
            self._files[path] = (modified, {**previous, **found})
            changed = True
        if changed:
            self._merge()
        return changed

    async def generate(
        self, utter_action: str, tracker: Any, output_channel: str, **kwargs: Any
    ) -> Optional[Dict[str, Any]]:
        self.refresh()
        return await super().generate(utter_action, tracker, output_channel, **kwargs)
