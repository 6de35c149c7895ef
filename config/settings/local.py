"""Settings for a local instance started with `medcode serve` (the default).

Without DJANGO_SECRET_KEY the instance signs with a random key generated once and kept in
MEDCODE_DATA_DIR/secret_key (mode 0600): never with a key anyone else knows (docs/adr/0037).
"""

from config.secret import instance_key
from config.settings.base import *  # noqa: F403
from config.settings.base import DATA_DIR, SECRET_KEY

if not SECRET_KEY:
    _key = instance_key(DATA_DIR)
    SECRET_KEY = _key.key
    MEDCODE_SECRET_KEY_FILE = _key.path
    MEDCODE_SECRET_KEY_CREATED = _key.created
