"""``kasse.settings`` for a ``kasse`` child process of a test that creates users but never logs them in.

Everything is the installation's (``KASSE_ENV``, the data directory, the VAPID keys made at the cloud's first
start) except the two deliberately slow hashes, which the test process itself also makes cheap
(``settings.TESTING``): Django's PBKDF2 password hasher (about a CPU second per user on the test machine) and
the register PINs' rounds. ``kasse demo --no-serve`` on a new data directory hashes three passwords and eight
PINs: 3.4 of its 16 CPU seconds (docs/testing.md, session 12).
"""

from kasse.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KASSE_PIN_HASH_ITERATIONS = 1000
