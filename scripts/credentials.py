"""Writes the credentials Rasa starts with: the channels of credentials.yml whose secrets are set.

A messaging app whose ${VARIABLES} are not all set in the environment is left out, so Pace starts
with REST and socket.io alone, and one app's missing secrets never stop the others. The ${...}
placeholders are kept: Rasa fills them in from the environment, so no secret is written to disk.

Usage: python scripts/credentials.py OUTPUT_FILE
"""

import os
import re
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "credentials.yml"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def variables(section: Optional[dict]) -> List[str]:
    return _VARIABLE.findall(yaml.safe_dump(section or {}))


def enabled_channels(source: Path = SOURCE, environ: Mapping[str, str] = os.environ) -> Dict[str, dict]:
    channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    return {
        name: section
        for name, section in channels.items()
        if all(environ.get(variable) for variable in variables(section))
    }


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python scripts/credentials.py OUTPUT_FILE", file=sys.stderr)
        return 2
    channels = enabled_channels()
    output = Path(sys.argv[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(yaml.safe_dump(channels, sort_keys=False), encoding="utf-8")
    print("channels: " + ", ".join(name.rsplit(".", 1)[-1] for name in channels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
