"""Where the checkout's built binaries and test artifacts are."""

import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(TOP, "target", "release", "vireo-app")
CLI = os.path.join(TOP, "target", "release", "vireo")
# Screenshots and logs of the end-to-end tests; the app's private config directory goes here too.
ARTIFACTS = os.path.join(TOP, "target", "e2e")
